import { describe, expect, it } from "vitest";
import { canonicalJson } from "../src/core/canonical-json";
import { SEARCH_RECEIPT_TAG } from "../src/core/search-receipt";

describe("canonical JSON (RFC 8785)", () => {
  it("sorts keys by UTF-16 code units, drops whitespace and writes numbers as ECMAScript does", () => {
    // RFC 8785 § 3.2.3's sorting example (keys in code-unit order, a surrogate pair before U+FB33 "דּ").
    const sorting = { "\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One", "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control", "\u00f6": "Latin Small Letter O With Diaeresis" };
    expect(canonicalJson(sorting)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
        '"\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
    // RFC 8785 § 3.2.2.3 number examples.
    expect(canonicalJson([333333333.33333329, 1e30, 4.5, 2e-3, 0.000000000000000000000000001, -0])).toBe("[333333333.3333333,1e+30,4.5,0.002,1e-27,0]");
    expect(canonicalJson({ b: [1, { d: true, c: null }], a: "x\n\"y\"" })).toBe('{"a":"x\\n\\"y\\"","b":[1,{"c":null,"d":true}]}');
  });

  it("refuses what JSON cannot carry", () => {
    for (const bad of [NaN, Infinity, undefined, () => 1, 1n, "\ud800", new Date(0), { a: undefined }]) expect(() => canonicalJson(bad)).toThrow(TypeError);
  });

  it("tags receipt leaves with the format name as a right-padded bytes32", () => {
    expect(SEARCH_RECEIPT_TAG).toBe("0x" + Buffer.from("imprint.search-receipt.v1").toString("hex").padEnd(64, "0"));
  });
});
