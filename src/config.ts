import ipaddr from "ipaddr.js";
import { availableParallelism } from "node:os";
import { z } from "zod";

const int = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
const flag = z
  .enum(["true", "false"])
  .optional()
  .transform((v) => v === "true");
/** A comma-separated list of TCP ports, e.g. "80,443". */
const portList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const ports = v.split(",").map((p) => p.trim());
      if (ports.some((p) => !/^\d{1,5}$/.test(p) || Number(p) < 1 || Number(p) > 65535)) {
        ctx.addIssue({ code: "custom", message: "must be a comma-separated list of ports 1-65535" });
        return z.NEVER;
      }
      return ports.map(Number);
    });
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

/**
 * A configured admin key must be hard to guess: at least 32 printable ASCII characters without spaces (it travels
 * in `Authorization: Bearer`), of at least two classes (lower case, upper case, digits, symbols) and at least 10
 * distinct characters. `imp_adm_` + 43 letters and digits (what the service generates) passes with ~256 bits.
 */
export const adminKey = optionalString.superRefine((key, ctx) => {
  if (key === undefined) return;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((c) => c.test(key)).length;
  const problems = [
    key.length < 32 && "at least 32 characters",
    !/^[\x21-\x7e]+$/.test(key) && "printable ASCII without spaces",
    classes < 2 && "at least two kinds of character (lower case, upper case, digits, symbols)",
    new Set(key).size < 10 && "at least 10 distinct characters",
  ].filter(Boolean);
  if (problems.length) ctx.addIssue({ code: "custom", message: `a weak admin key: it needs ${problems.join(", ")}` });
});

/** Every setting comes from the environment; each has an embedded default so `npm start` needs none. */
export const configSchema = z
  .object({
  HOST: z.string().default("127.0.0.1"),
  PORT: int(8787),
  /** Where PGlite, the embedded chain's state and the deployment record live. */
  DATA_DIR: z.string().default("./data"),
  /** Real PostgreSQL instead of the embedded PGlite. */
  DATABASE_URL: optionalString,
  /** The platform's bootstrap admin key (see `adminKey`); changing it revokes the previous one at start. */
  IMPRINT_ADMIN_KEY: adminKey,
  /**
   * Base of links in answers (thumbnails, bundles). Links are never built from a request's Host header, which
   * the caller writes: unset, it is http://HOST:PORT, and a HOST that is not loopback requires it (see below).
   */
  PUBLIC_BASE_URL: optionalString,

  MAX_UPLOAD_BYTES: int(5 * 1024 * 1024),
  /** Decompression-bomb guard: decoded pixels allowed per image. */
  MAX_IMAGE_PIXELS: int(40_000_000),
  MIN_ORIGINAL_SIDE: int(600),
  MIN_QUERY_SIDE: int(128),
  FETCH_TIMEOUT_MS: int(10_000),
  /** Let `url` fields reach loopback and private addresses: tests and on-premises only (see README, Security). */
  FETCH_ALLOW_PRIVATE: flag,
  /** Ports a fetched URL may name. */
  FETCH_ALLOWED_PORTS: portList("80,443"),
  /** How far in the future a client's `listedAt` may lie (clocks disagree a little, never by days). */
  CLOCK_SKEW_MS: int(5 * 60_000),

  ANCHOR_INTERVAL_MS: int(10_000),
  ANCHOR_MAX_BATCH: z.coerce.number().int().positive().default(1000),

  /** With no RPC URL an embedded anvil is spawned on 127.0.0.1 with its state in DATA_DIR. */
  CHAIN_RPC_URL: optionalString,
  CHAIN_PRIVATE_KEY: optionalString,
  CHAIN_CONTRACT: optionalString,
  /**
   * The deployments this service publishes and trusts (format imprint.deployments.v1, written by npm run deploy);
   * default DATA_DIR/deployments.json. With CHAIN_RPC_URL it must list CHAIN_CONTRACT.
   */
  DEPLOYMENTS_FILE: optionalString,
  /** Port of the embedded anvil (only without CHAIN_RPC_URL); 0 picks a free one. */
  EMBEDDED_CHAIN_PORT: int(8545),
  CHAIN_CONFIRMATIONS: z.coerce.number().int().positive().default(1),
  /** Confirmations after which the reconciler stops re-checking an anchor (64 blocks: Ethereum's finality). */
  CHAIN_FINALITY_BLOCKS: z.coerce.number().int().positive().default(64),
  /** How often anchored batches are re-checked against the chain (also once at start). */
  RECONCILE_INTERVAL_MS: z.coerce.number().int().positive().default(30_000),
  /** An anvil binary for the embedded chain, when @foundry-rs/anvil has none for this platform. */
  ANVIL_PATH: optionalString,
  CHAIN_TX_TIMEOUT_MS: int(120_000),
  /** Whether GET /v1/chain may show the RPC URL (an API key inside a provider URL must stay private). */
  CHAIN_RPC_PUBLIC: flag,

  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),

  /** Worker threads for image analysis (decode, fingerprints, features); 0 analyses on the request's thread. */
  ANALYSIS_WORKERS: int(availableParallelism()),
  /** Analyses allowed to wait for a worker; past it a request answers 503 `overloaded` with Retry-After. */
  ANALYSIS_QUEUE: int(16),
  /** …or when the analyses queued ahead would take longer than this at the recent pace (503 as well). */
  ANALYSIS_MAX_WAIT_MS: int(1_000),
  /**
   * MiB of memory for the verification features of recently verified images (~20 KB each), so that a query does not
   * read them from the database again; 0 reads them every time.
   */
  FEATURE_CACHE_MB: int(64),
  /** Requests per minute per API key (authenticated routes). */
  RATE_LIMIT_KEY_PER_MIN: z.coerce.number().int().positive().default(600),
  /** Requests per minute per client address without a key (thumbnails, chain, …). */
  RATE_LIMIT_IP_PER_MIN: z.coerce.number().int().positive().default(600),
  /** Verifications per minute per client address (each may decode an image). */
  RATE_LIMIT_VERIFY_PER_MIN: z.coerce.number().int().positive().default(60),
  /** Refused keys per minute per client address; past it every keyed request from there answers 429. */
  RATE_LIMIT_AUTH_FAILURES_PER_MIN: z.coerce.number().int().positive().default(20),
  /** Behind a reverse proxy: take the client address from the last X-Forwarded-For entry, not the socket. */
  TRUST_PROXY: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => v === "true"),
  /** Who may read /metrics besides loopback clients: `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: optionalString,
  /** On SIGTERM, how long in-flight requests may take to finish, and then the batcher's last anchoring. */
  SHUTDOWN_TIMEOUT_MS: int(20_000),

  RECENT_DAYS: int(90),
  /** How long the listing's organisation has to appeal a complaint, from its filing. */
  APPEAL_DAYS: int(7),
  RETENTION_DELISTED_DAYS: int(548),
  PURGE_INTERVAL_MS: z.coerce.number().int().positive().default(3_600_000),
  /** How long search records are kept; a record whose receipt was asked for is kept for good. */
  SEARCH_RECORD_DAYS: int(90),
  /** First retry of a failed webhook delivery; each next one waits twice as long (at most an hour), for 24 h. */
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().positive().default(10_000),
  /** How often job runners look for work queued by other processes (their own is picked up at once). */
  JOB_POLL_MS: z.coerce.number().int().positive().default(1_000),
}).superRefine((c, ctx) => {
  // Which variables need which: a real chain needs its anchorer key and its deployed contract.
  if (c.CHAIN_RPC_URL) {
    for (const needed of ["CHAIN_PRIVATE_KEY", "CHAIN_CONTRACT"] as const) {
      if (!c[needed]) ctx.addIssue({ code: "custom", path: [needed], message: `CHAIN_RPC_URL needs ${needed} (deploy a contract with npm run deploy)` });
    }
  }
  // Links in answers: a service listening beyond loopback is reached under a name only the operator knows.
  if (c.PUBLIC_BASE_URL) {
    if (!isBaseUrl(c.PUBLIC_BASE_URL)) ctx.addIssue({ code: "custom", path: ["PUBLIC_BASE_URL"], message: "must be an http(s) URL without query or fragment" });
  } else if (!isLoopbackHost(c.HOST)) {
    ctx.addIssue({ code: "custom", path: ["PUBLIC_BASE_URL"], message: `HOST ${c.HOST} is not loopback: set PUBLIC_BASE_URL, the base of links in answers` });
  }
}).transform((c) => ({ ...c, PUBLIC_BASE_URL: (c.PUBLIC_BASE_URL ?? `http://${hostInUrl(c.HOST)}:${c.PORT}`).replace(/\/+$/, "") }));

function isLoopbackHost(host: string): boolean {
  if (host === "localhost") return true;
  return ipaddr.isValid(host) && ipaddr.parse(host).range() === "loopback";
}

function hostInUrl(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

function isBaseUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && !url.search && !url.hash && !url.username;
  } catch {
    return false;
  }
}

export type Config = z.infer<typeof configSchema>;

/** Parses the environment; on error prints each bad field and exits, as a service should at start. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    console.error(`config: ${issue.path.join(".")}: ${issue.message}`);
  }
  process.exit(1);
}
