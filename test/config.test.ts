import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../src/config";
import { missingServiceFlags, SERVICE_NODE_ARGS, SERVICE_NODE_FLAGS } from "../src/service-command";

/** The configuration rules that keep links and fetching safe. */
describe("config", () => {
  it("builds links from HOST:PORT when PUBLIC_BASE_URL is unset and HOST is loopback", () => {
    expect(configSchema.parse({}).PUBLIC_BASE_URL).toBe("http://127.0.0.1:8787");
    expect(configSchema.parse({ HOST: "::1", PORT: "9000" }).PUBLIC_BASE_URL).toBe("http://[::1]:9000");
    expect(configSchema.parse({ HOST: "localhost" }).PUBLIC_BASE_URL).toBe("http://localhost:8787");
    expect(configSchema.parse({ HOST: "0.0.0.0", PUBLIC_BASE_URL: "https://imprint.example/" }).PUBLIC_BASE_URL).toBe("https://imprint.example");
  });

  it("requires PUBLIC_BASE_URL when HOST is not loopback, and an http(s) one", () => {
    for (const env of [{ HOST: "0.0.0.0" }, { HOST: "::" }, { HOST: "10.0.0.5" }, { HOST: "api.internal" }]) {
      const parsed = configSchema.safeParse(env);
      expect(parsed.success, env.HOST).toBe(false);
      expect(parsed.error?.issues[0].path).toEqual(["PUBLIC_BASE_URL"]);
    }
    for (const base of ["ftp://x.example", "https://x.example/?q=1", "not a url", "https://u:p@x.example"]) {
      expect(configSchema.safeParse({ PUBLIC_BASE_URL: base }).success, base).toBe(false);
    }
  });

  it("parses the fetch policy's settings strictly", () => {
    const defaults = configSchema.parse({});
    expect(defaults.FETCH_ALLOWED_PORTS).toEqual([80, 443]);
    expect(defaults.FETCH_ALLOW_PRIVATE).toBe(false);
    expect(configSchema.parse({ FETCH_ALLOWED_PORTS: "80, 443,8080", FETCH_ALLOW_PRIVATE: "true" })).toMatchObject({
      FETCH_ALLOWED_PORTS: [80, 443, 8080],
      FETCH_ALLOW_PRIVATE: true,
    });
    for (const ports of ["", "80,", "0", "65536", "0x50", "http"]) expect(configSchema.safeParse({ FETCH_ALLOWED_PORTS: ports }).success, ports).toBe(false);
    expect(configSchema.safeParse({ FETCH_ALLOW_PRIVATE: "yes" }).success).toBe(false);
  });
});

describe("the service's command", () => {
  it("is the same in npm start as for everything that starts the service (src/service-command.ts), and the benchmarks that run it in-process have its flags", () => {
    const { scripts } = JSON.parse(readFileSync(path.resolve(__dirname, "../package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(scripts.start).toBe(`npm run compile --silent && node ${SERVICE_NODE_ARGS.join(" ")}`);
    for (const bench of ["query", "alerts", "anchor"]) {
      expect(scripts[`bench:${bench}`]).toBe(`npm run compile --silent && node ${SERVICE_NODE_FLAGS.join(" ")} --import tsx scripts/bench-${bench}.ts`);
    }
  });

  it("names the flags a process was started without, from node's arguments or NODE_OPTIONS", () => {
    expect(missingServiceFlags(["--import", "tsx"], "")).toEqual([...SERVICE_NODE_FLAGS]);
    expect(missingServiceFlags([...SERVICE_NODE_FLAGS], "")).toEqual([]);
    expect(missingServiceFlags([], `--enable-source-maps ${SERVICE_NODE_FLAGS.join(" ")}`)).toEqual([]);
  });
});
