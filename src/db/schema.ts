import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
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
import { ROLES } from "../accounts/actor";
import type { MatchGeometry } from "../matching/geometry";
import { bytea } from "./bytea";

const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();

/**
 * An organisation (the API still says account: its id is the `owner` of its registrations' leaves). Its members
 * act for it; `role` tells a seller organisation from the operator's own (`admin`: the platform, whose members are
 * the admins and reviewers).
 */
export const accounts = pgTable("accounts", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  role: text("role", { enum: ["admin", "seller"] }).notNull(),
  createdAt: createdAt(),
});

/** The organisation a row belongs to. */
const accountIdColumn = () =>
  text("account_id")
    .notNull()
    .references(() => accounts.id);

/** The member a row is about or who acted. */
const memberIdColumn = (name: string) =>
  text(name)
    .notNull()
    .references(() => members.id);

/**
 * The people (or systems) acting for an organisation (an `accounts` row). A member is never deleted, only
 * removed (`removed_at`), so `registered_by`, `listed_by` and the audit log keep pointing at someone.
 */
export const members = pgTable(
  "members",
  {
    id: text("id").primaryKey(),
    accountId: accountIdColumn(),
    name: text("name").notNull(),
    role: text("role", { enum: ROLES }).notNull(),
    createdAt: createdAt(),
    removedAt: timestamp("removed_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [index("members_account_idx").on(t.accountId)],
);

/**
 * API keys are stored as SHA-256 of the key: a leaked table grants nothing. `prefix` (the key's first
 * characters, safe to show) tells keys apart in lists and in the audit log; `last_used_at` is refreshed at most
 * once a minute. `account_id` is the member's organisation, kept so an organisation's keys are one index away.
 */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: serial("id").primaryKey(),
    accountId: accountIdColumn(),
    memberId: memberIdColumn("member_id"),
    keyHash: text("key_hash").notNull().unique(),
    /** Null for keys issued before prefixes were stored, until their first use. */
    prefix: text("prefix"),
    /**
     * The platform's bootstrap key: IMPRINT_ADMIN_KEY or the key generated on the first start. A start with
     * another configured key revokes the previous one (src/accounts/admin-key.ts).
     */
    bootstrap: boolean("bootstrap").notNull().default(false),
    createdAt: createdAt(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true, mode: "date" }),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [index("api_keys_account_idx").on(t.accountId), index("api_keys_member_idx").on(t.memberId)],
);

/**
 * Every state-changing request an authenticated member made, refused ones included. Append-only: the code has
 * no update or delete path, and a trigger (migration) refuses UPDATE, DELETE and TRUNCATE.
 */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: timestamp("at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    accountId: accountIdColumn(),
    memberId: memberIdColumn("member_id"),
    keyPrefix: text("key_prefix").notNull(),
    /** Method and route pattern, e.g. `DELETE /v1/members/:id`. */
    action: text("action").notNull(),
    /** The id the request acted on or created, when there is one. */
    target: text("target"),
    status: smallint("status").notNull(),
    /** The error code of a refused request. */
    errorCode: text("error_code"),
  },
  (t) => [index("audit_log_account_idx").on(t.accountId, t.id)],
);

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

/**
 * Merkle batches. A batch is sealed (root fixed, leaves assigned) before anything is sent to the chain, and
 * anchored once its transaction is durable; the reconciler turns it back to sealed if the chain loses it.
 */
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
    /** The root of roots that carries this batch's root to a newer deployment, and the proof up to it. */
    reanchorId: integer("reanchor_id").references(() => reanchors.id),
    reanchorProof: jsonb("reanchor_proof").$type<string[]>(),
    /** When the reconciler found the anchor intact under CHAIN_FINALITY_BLOCKS confirmations; until then it re-checks it. */
    finalizedAt: timestamp("finalized_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [index("batches_status_idx").on(t.status), index("batches_reanchor_idx").on(t.reanchorId)],
);

/**
 * A root of roots: every root anchored by deployment `fromName`, with its anchor, folded into one tree whose root
 * is anchored by deployment `toName`. Sealed (proofs written to the batches) before it is sent, like a batch.
 */
export const reanchors = pgTable("reanchors", {
  id: serial("id").primaryKey(),
  status: text("status", { enum: ["sealed", "anchored"] }).notNull(),
  fromName: text("from_name").notNull(),
  toName: text("to_name").notNull(),
  root: text("root").notNull().unique(),
  leafCount: integer("leaf_count").notNull(),
  chainId: bigint("chain_id", { mode: "number" }),
  contract: text("contract"),
  txHash: text("tx_hash"),
  blockNumber: bigint("block_number", { mode: "number" }),
  blockTimestamp: bigint("block_timestamp", { mode: "number" }),
  createdAt: createdAt(),
});

/** Ethereum addresses an account (an organisation) proved it holds the key of; they sign its registrations. */
export const signingKeys = pgTable(
  "signing_keys",
  {
    id: serial("id").primaryKey(),
    /** Lowercase 0x + 40 hex. */
    address: text("address").notNull(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id),
    createdAt: createdAt(),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    // A key speaks for one organisation at a time, or "a key of organisation …" would be ambiguous.
    uniqueIndex("signing_keys_active_address_idx").on(t.address).where(sql`${t.revokedAt} is null`),
    index("signing_keys_account_idx").on(t.accountId),
  ],
);

/** A one-time challenge a key must sign to be registered; used or expired, it proves nothing. */
export const signingKeyChallenges = pgTable("signing_key_challenges", {
  nonce: text("nonce").primaryKey(),
  accountId: text("account_id")
    .notNull()
    .references(() => accounts.id),
  address: text("address").notNull(),
  message: text("message").notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
  usedAt: timestamp("used_at", { withTimezone: true, mode: "date" }),
  createdAt: createdAt(),
});

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
    /** The member who registered it (the leaf commits to the organisation, not to them). */
    registeredBy: memberIdColumn("registered_by"),
    sha256: text("sha256").notNull(),
    title: text("title"),
    /** Milliseconds since the epoch, exactly as committed to in the leaf. */
    registeredAtMs: bigint("registered_at_ms", { mode: "number" }).notNull(),
    leaf: text("leaf").notNull(),
    /** A signed registration (evidence format v2): the owner's key, its EIP-712 signature, when it signed (s). */
    signer: text("signer"),
    signature: text("signature"),
    signedAt: bigint("signed_at", { mode: "number" }),
    batchId: integer("batch_id").references(() => batches.id),
    leafIndex: integer("leaf_index"),
    proof: jsonb("proof").$type<string[]>(),
  },
  (t) => [
    uniqueIndex("originals_account_sha256_idx").on(t.accountId, t.sha256),
    index("originals_account_registered_idx").on(t.accountId, t.registeredAtMs),
    index("originals_pending_idx").on(t.registeredAtMs).where(sql`${t.batchId} is null`),
    index("originals_batch_idx").on(t.batchId),
    // One signature backs one registration: the same signature sent again is a replay.
    uniqueIndex("originals_signature_idx").on(t.signature),
  ],
);

/** A product image listed in a store (not necessarily an original): searchable, never anchored. */
export const listings = pgTable(
  "listings",
  {
    ...productImageColumns(),
    listedBy: memberIdColumn("listed_by"),
    storeId: text("store_id").notNull(),
    listedAt: timestamp("listed_at", { withTimezone: true, mode: "date" }).notNull(),
    delistedAt: timestamp("delisted_at", { withTimezone: true, mode: "date" }),
    /** Why it was delisted when not by its seller: the upheld complaint's id. */
    delistedBy: text("delisted_by"),
  },
  (t) => [index("listings_listed_idx").on(t.listedAt), index("listings_delisted_idx").on(t.delistedAt)],
);

/**
 * Portal sign-ins. The browser holds only a random session id (HttpOnly cookie); the table keeps its SHA-256,
 * the hash of the API key signed in with (so revoking the key ends the session at once) and the CSRF token.
 */
export const webSessions = pgTable(
  "web_sessions",
  {
    idHash: text("id_hash").primaryKey(),
    keyHash: text("key_hash").notNull(),
    keyPrefix: text("key_prefix").notNull(),
    csrfToken: text("csrf_token").notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [index("web_sessions_expires_idx").on(t.expiresAt)],
);

export type ComplaintStatus = "submitted" | "appealed" | "upheld" | "rejected" | "withdrawn";

/**
 * A complaint by the owner of registered originals against a listing they say copies them. What the matcher found
 * at filing time, and each original's evidence state then, are kept as filed (`match`): later re-indexing or
 * re-anchoring does not rewrite what the reviewer decided on.
 */
export const complaints = pgTable(
  "complaints",
  {
    id: text("id").primaryKey(),
    complainantId: text("complainant_id")
      .notNull()
      .references(() => accounts.id),
    filedBy: text("filed_by").notNull(),
    listingId: text("listing_id").notNull(),
    /** The listing's organisation (kept: the listing may be purged after a decision). */
    respondentId: text("respondent_id")
      .notNull()
      .references(() => accounts.id),
    originalIds: jsonb("original_ids").$type<string[]>().notNull(),
    searchId: text("search_id"),
    alertId: text("alert_id"),
    statement: text("statement").notNull(),
    status: text("status", { enum: ["submitted", "appealed", "upheld", "rejected", "withdrawn"] }).$type<ComplaintStatus>().notNull(),
    match: jsonb("match").notNull(),
    /**
     * The matcher's geometry of each original in `match` (same order) against the listing's image, in each
     * image's pixels; null entries where the match was not geometric. Null for complaints filed before it was kept.
     */
    matchGeometry: jsonb("match_geometry").$type<(MatchGeometry | null)[]>(),
    appeal: jsonb("appeal"),
    decisionReason: text("decision_reason"),
    createdAt: createdAt(),
    decidedAt: timestamp("decided_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [index("complaints_complainant_idx").on(t.complainantId, t.createdAt), index("complaints_respondent_idx").on(t.respondentId, t.createdAt), index("complaints_status_idx").on(t.status)],
);

/** Every transition of a complaint, timestamped and attributed: its timeline. Only ever inserted. */
export const complaintEvents = pgTable(
  "complaint_events",
  {
    id: serial("id").primaryKey(),
    complaintId: text("complaint_id")
      .notNull()
      .references(() => complaints.id),
    at: createdAt(),
    kind: text("kind", { enum: ["filed", "appealed", "withdrawn", "upheld", "rejected"] }).notNull(),
    organisationId: text("organisation_id").notNull(),
    memberId: text("member_id").notNull(),
    role: text("role", { enum: ROLES }).notNull(),
    note: text("note"),
  },
  (t) => [index("complaint_events_complaint_idx").on(t.complaintId, t.id)],
);

/** PDFs attached to a complaint or its appeal: readable by both parties and the reviewers only. */
export const complaintAttachments = pgTable(
  "complaint_attachments",
  {
    id: text("id").primaryKey(),
    complaintId: text("complaint_id")
      .notNull()
      .references(() => complaints.id),
    side: text("side", { enum: ["complaint", "appeal"] }).notNull(),
    filename: text("filename").notNull(),
    sha256: text("sha256").notNull(),
    byteSize: integer("byte_size").notNull(),
    pages: integer("pages").notNull(),
    bytes: bytea("bytes").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("complaint_attachments_complaint_idx").on(t.complaintId)],
);

/** A search hit's image and the matcher's geometry of it, as its match picture needs them. */
export interface RecordedMatch {
  imageId: string;
  geometry: MatchGeometry | null;
}

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
    /**
     * Beside the answered hits (same order), what their match pictures are drawn from: each hit's image and the
     * matcher's geometry in pixels (null when the hit was not geometric). Not part of `record` (nor its digest):
     * the answer stays what was answered. Null for records written before it was kept.
     */
    hitMatches: jsonb("hit_matches").$type<RecordedMatch[]>(),
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
 * An uploaded image's bytes, kept only until its watch job has run: the job analyses them as search analyses a
 * query (mirrored and detail views included), which the stored features (one orientation) cannot stand in for.
 */
export const watchUploads = pgTable("watch_uploads", {
  imageId: text("image_id")
    .primaryKey()
    .references(() => images.id, { onDelete: "cascade" }),
  bytes: bytea("bytes").notNull(),
  createdAt: createdAt(),
});

/**
 * What an organisation is told of, in its IP centre and by webhook: a match of a watched original (a new listing
 * or another organisation's new original), or a complaint filed against one of its listings (`match_kind`
 * "complaint", `match_id` the complaint, no original of its own). `match` is a snapshot of what was matched or
 * complained about (a listing may be purged later). One alert per (original, match), ever.
 */
export const alerts = pgTable(
  "alerts",
  {
    id: text("id").primaryKey(),
    /** The organisation alerted: the original's. */
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id),
    /** The alerted organisation's original that was matched; null for a complaint alert. */
    originalId: text("original_id").references(() => originals.id),
    matchKind: text("match_kind", { enum: ["listing", "original", "complaint"] }).notNull(),
    matchId: text("match_id").notNull(),
    /** A complaint alert: the best similarity the complaint recorded of the complainant's originals. */
    similarity: doublePrecision("similarity").notNull(),
    match: jsonb("match").$type<Record<string, unknown>>().notNull(),
    /** The matcher's geometry of the match against the original, in each image's pixels; null when not geometric. */
    geometry: jsonb("geometry").$type<MatchGeometry>(),
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
