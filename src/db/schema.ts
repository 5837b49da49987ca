import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  serial,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { bytea } from "./bytea";

const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();

export const accounts = pgTable("accounts", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  role: text("role", { enum: ["admin", "seller"] }).notNull(),
  createdAt: createdAt(),
});

/** API keys are stored as SHA-256 of the key: a leaked table grants nothing. */
export const apiKeys = pgTable("api_keys", {
  id: serial("id").primaryKey(),
  accountId: text("account_id")
    .notNull()
    .references(() => accounts.id),
  keyHash: text("key_hash").notNull().unique(),
  createdAt: createdAt(),
  revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
});

/**
 * Every stored picture (an original or a listing) with its fingerprints. `seq` only grows, so other processes
 * can pick up new images by polling `seq > lastSeen`. The 64-bit pHash is a signed bigint (bits kept as-is) and
 * is also split into four 16-bit chunks for multi-index Hamming search.
 */
export const images = pgTable(
  "images",
  {
    id: text("id").primaryKey(),
    seq: bigserial("seq", { mode: "number" }).notNull().unique(),
    kind: text("kind", { enum: ["original", "listing"] }).notNull(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id),
    sha256: text("sha256").notNull(),
    pdq: bytea("pdq").notNull(),
    pdqQuality: smallint("pdq_quality").notNull(),
    phash: bigint("phash", { mode: "bigint" }).notNull(),
    phash0: integer("phash_0").notNull(),
    phash1: integer("phash_1").notNull(),
    phash2: integer("phash_2").notNull(),
    phash3: integer("phash_3").notNull(),
    width: integer("width").notNull(),
    height: integer("height").notNull(),
    format: text("format").notNull(),
    byteSize: integer("byte_size").notNull(),
    thumbnail: bytea("thumbnail").notNull(),
    /** Local features for geometric verification (serialised by src/matching). */
    features: bytea("features"),
    /** The first 64 descriptors of `features` (strongest first): all the in-memory search index reads at start. */
    indexDescriptors: bytea("index_descriptors"),
    createdAt: createdAt(),
  },
  (t) => [
    index("images_sha256_idx").on(t.sha256),
    index("images_phash_0_idx").on(t.phash0),
    index("images_phash_1_idx").on(t.phash1),
    index("images_phash_2_idx").on(t.phash2),
    index("images_phash_3_idx").on(t.phash3),
  ],
);

/** Merkle batches. A batch is sealed (root fixed, leaves assigned) before anything is sent to the chain. */
export const batches = pgTable(
  "batches",
  {
    id: serial("id").primaryKey(),
    status: text("status", { enum: ["sealed", "anchored"] }).notNull(),
    root: text("root").notNull().unique(),
    leafCount: integer("leaf_count").notNull(),
    sealedAt: timestamp("sealed_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    chainId: bigint("chain_id", { mode: "number" }),
    contract: text("contract"),
    txHash: text("tx_hash"),
    blockNumber: bigint("block_number", { mode: "number" }),
    blockTimestamp: bigint("block_timestamp", { mode: "number" }),
    gasUsed: bigint("gas_used", { mode: "number" }),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    anchoredAt: timestamp("anchored_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [index("batches_status_idx").on(t.status)],
);

/** What a registration and a listing both say of a product image: who, which image, which product, where. */
const productImageColumns = () => ({
  id: text("id").primaryKey(),
  accountId: text("account_id")
    .notNull()
    .references(() => accounts.id),
  imageId: text("image_id")
    .notNull()
    .unique()
    .references(() => images.id),
  productId: text("product_id").notNull(),
  category: text("category").notNull(),
  storeCountry: text("store_country").notNull(),
  /** Where the image was fetched from, when it came by URL. */
  sourceUrl: text("source_url"),
  createdAt: createdAt(),
});

/** A registration: the seller's claim on an image at a server time, and its place in a batch once sealed. */
export const originals = pgTable(
  "originals",
  {
    ...productImageColumns(),
    sha256: text("sha256").notNull(),
    title: text("title"),
    /** Milliseconds since the epoch, exactly as committed to in the leaf. */
    registeredAtMs: bigint("registered_at_ms", { mode: "number" }).notNull(),
    leaf: text("leaf").notNull(),
    batchId: integer("batch_id").references(() => batches.id),
    leafIndex: integer("leaf_index"),
    proof: jsonb("proof").$type<string[]>(),
  },
  (t) => [
    uniqueIndex("originals_account_sha256_idx").on(t.accountId, t.sha256),
    index("originals_account_registered_idx").on(t.accountId, t.registeredAtMs),
    index("originals_pending_idx").on(t.registeredAtMs).where(sql`${t.batchId} is null`),
    index("originals_batch_idx").on(t.batchId),
  ],
);

/** A product image listed in a store (not necessarily an original): searchable, never anchored. */
export const listings = pgTable(
  "listings",
  {
    ...productImageColumns(),
    storeId: text("store_id").notNull(),
    listedAt: timestamp("listed_at", { withTimezone: true, mode: "date" }).notNull(),
    delistedAt: timestamp("delisted_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [index("listings_listed_idx").on(t.listedAt), index("listings_delisted_idx").on(t.delistedAt)],
);

/** Small key-value facts the service keeps about itself (e.g. that the admin key was generated). */
export const meta = pgTable("meta", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

/**
 * A search as it was answered: `record` is the canonical JSON (RFC 8785) of what GET /v1/searches/:id shows,
 * so its SHA-256 is the receipt's digest. Kept SEARCH_RECORD_DAYS unless a receipt was asked for (then like an
 * original: forever). A receipt's leaf is computed when it is asked for and sealed with the registrations.
 */
export const searchRecords = pgTable(
  "search_records",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id),
    memberId: text("member_id").notNull(),
    searchedAtMs: bigint("searched_at_ms", { mode: "number" }).notNull(),
    record: text("record").notNull(),
    /** The query image's 256 px WebP thumbnail (the query itself is never stored). */
    thumbnail: bytea("thumbnail").notNull(),
    sealRequestedAt: timestamp("seal_requested_at", { withTimezone: true, mode: "date" }),
    digest: text("digest"),
    leaf: text("leaf"),
    batchId: integer("batch_id").references(() => batches.id),
    leafIndex: integer("leaf_index"),
    proof: jsonb("proof").$type<string[]>(),
  },
  (t) => [
    index("search_records_account_searched_idx").on(t.accountId, t.searchedAtMs),
    index("search_records_unsealed_idx").on(t.searchedAtMs).where(sql`${t.sealRequestedAt} is null`),
    index("search_records_pending_idx").on(t.sealRequestedAt).where(sql`${t.sealRequestedAt} is not null and ${t.batchId} is null`),
  ],
);

/** An organisation's settings: its watch threshold and its webhook (the secret signs deliveries, so it is kept). */
export const organisationSettings = pgTable("organisation_settings", {
  accountId: text("account_id")
    .primaryKey()
    .references(() => accounts.id),
  watchThreshold: doublePrecision("watch_threshold"),
  webhookUrl: text("webhook_url"),
  webhookSecret: text("webhook_secret"),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

/**
 * Work done off the request path (watch matching, webhook deliveries). A worker claims due rows with
 * `FOR UPDATE SKIP LOCKED` and leases them until `lockedUntil`: a crashed worker's jobs are claimed again once
 * the lease ends. Done jobs are deleted; a job that gave up stays with status `failed` and its last error.
 */
export const jobs = pgTable(
  "jobs",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    kind: text("kind").notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    status: text("status", { enum: ["queued", "failed"] }).notNull().default("queued"),
    runAt: timestamp("run_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    attempts: integer("attempts").notNull().default(0),
    lockedUntil: timestamp("locked_until", { withTimezone: true, mode: "date" }),
    lastError: text("last_error"),
    createdAt: createdAt(),
  },
  (t) => [index("jobs_due_idx").on(t.kind, t.runAt).where(sql`${t.status} = 'queued'`)],
);

/**
 * A match of a watched original: a new listing or another organisation's new original. `match` is a snapshot of
 * what was matched (a listing may be purged later). One alert per (original, match), ever.
 */
export const alerts = pgTable(
  "alerts",
  {
    id: text("id").primaryKey(),
    /** The organisation alerted: the original's. */
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id),
    originalId: text("original_id")
      .notNull()
      .references(() => originals.id),
    matchKind: text("match_kind", { enum: ["listing", "original"] }).notNull(),
    matchId: text("match_id").notNull(),
    similarity: doublePrecision("similarity").notNull(),
    match: jsonb("match").$type<Record<string, unknown>>().notNull(),
    status: text("status", { enum: ["new", "acknowledged", "dismissed"] }).notNull().default("new"),
    statusChangedAt: timestamp("status_changed_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("alerts_pair_idx").on(t.originalId, t.matchKind, t.matchId),
    index("alerts_account_created_idx").on(t.accountId, t.createdAt, t.id),
  ],
);

/** An event for an organisation's webhook; `body` is the exact JSON POSTed on every attempt. */
export const webhookEvents = pgTable(
  "webhook_events",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id),
    type: text("type").notNull(),
    body: text("body").notNull(),
    status: text("status", { enum: ["pending", "delivered", "failed"] }).notNull().default("pending"),
    createdAt: createdAt(),
    deliveredAt: timestamp("delivered_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [index("webhook_events_account_idx").on(t.accountId, t.createdAt)],
);

/** Each delivery attempt of an event, as GET /v1/webhook/deliveries shows it. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    eventId: text("event_id")
      .notNull()
      .references(() => webhookEvents.id),
    accountId: text("account_id").notNull(),
    attempt: integer("attempt").notNull(),
    url: text("url").notNull(),
    attemptedAt: timestamp("attempted_at", { withTimezone: true, mode: "date" }).notNull(),
    outcome: text("outcome", { enum: ["delivered", "failed", "gave-up"] }).notNull(),
    httpStatus: integer("http_status"),
    error: text("error"),
    durationMs: integer("duration_ms").notNull(),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [index("webhook_deliveries_account_idx").on(t.accountId, t.id)],
);
