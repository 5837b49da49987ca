import { z } from "zod";

const int = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

/** Every setting comes from the environment; each has an embedded default so `npm start` needs none. */
export const configSchema = z
  .object({
  HOST: z.string().default("127.0.0.1"),
  PORT: int(8787),
  /** Where PGlite, the embedded chain's state and the deployment record live. */
  DATA_DIR: z.string().default("./data"),
  /** Real PostgreSQL instead of the embedded PGlite. */
  DATABASE_URL: optionalString,
  IMPRINT_ADMIN_KEY: optionalString,
  /** Base of links in responses (thumbnails, bundles); defaults to the listening address. */
  PUBLIC_BASE_URL: optionalString,

  MAX_UPLOAD_BYTES: int(5 * 1024 * 1024),
  /** Decompression-bomb guard: decoded pixels allowed per image. */
  MAX_IMAGE_PIXELS: int(40_000_000),
  MIN_ORIGINAL_SIDE: int(600),
  MIN_QUERY_SIDE: int(128),
  FETCH_TIMEOUT_MS: int(10_000),

  ANCHOR_INTERVAL_MS: int(10_000),
  ANCHOR_MAX_BATCH: z.coerce.number().int().positive().default(1000),

  /** With no RPC URL an embedded anvil is spawned on 127.0.0.1 with its state in DATA_DIR. */
  CHAIN_RPC_URL: optionalString,
  CHAIN_PRIVATE_KEY: optionalString,
  CHAIN_CONTRACT: optionalString,
  /** Port of the embedded anvil (only without CHAIN_RPC_URL); 0 picks a free one. */
  EMBEDDED_CHAIN_PORT: int(8545),
  CHAIN_CONFIRMATIONS: z.coerce.number().int().positive().default(1),
  CHAIN_TX_TIMEOUT_MS: int(120_000),
  /** Whether GET /v1/chain may show the RPC URL (an API key inside a provider URL must stay private). */
  CHAIN_RPC_PUBLIC: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => v === "true"),

  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),

  RECENT_DAYS: int(90),
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
});

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
