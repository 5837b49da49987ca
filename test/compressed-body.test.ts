import { describe, expect, it } from "vitest";
import { preferredCoding } from "../src/http/compressed-body";

describe("preferredCoding: what Accept-Encoding allows", () => {
  it.each([
    [undefined, "identity"],
    ["", "identity"],
    ["gzip, deflate, br, zstd", "br"],
    ["gzip", "gzip"],
    ["GZIP;Q=0.5", "gzip"],
    ["br;q=0, gzip;q=0.8", "gzip"],
    ["br;q=0, gzip;q=0", "identity"],
    ["*", "br"],
    ["*;q=0", "identity"],
    ["*;q=0, gzip", "gzip"],
    ["deflate, identity", "identity"],
    ["br;q=nonsense, gzip", "gzip"],
  ] as const)("%s → %s", (header, coding) => {
    expect(preferredCoding(header)).toBe(coding);
  });
});
