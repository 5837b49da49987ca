/**
 * Every code a caller can be answered with. The code is the contract (clients switch on it); which HTTP status
 * it maps to is the edge's business and lives only in src/http/error-status.ts.
 */
export const ERROR_CODES = [
  // the request
  "invalid_request",
  "invalid_json",
  "invalid_cursor",
  "invalid_hex",
  "hash_length_mismatch",
  "malformed_body",
  "unsupported_media_type",
  "payload_too_large",
  "bad_request",
  "not_found",
  // who is asking
  "unauthorized",
  "forbidden",
  "last_owner",
  // how much it is asking
  "rate_limited",
  "overloaded",
  // images
  "image_required",
  "invalid_image",
  "image_too_large",
  "image_too_many_pixels",
  "image_too_small",
  "image_undecodable",
  "unsupported_image_format",
  "features_corrupt",
  // fetching by URL
  "invalid_url",
  "url_not_allowed",
  "fetch_failed",
  "fetch_timeout",
  "fetch_too_large",
  // search
  "search_unavailable",
  "index_loading",
  // chain
  "invalid_root",
  "invalid_leaf_count",
  "chain_timeout",
  "chain_block_missing",
  "chain_deploy_failed",
  "chain_anchor_reverted",
  "chain_anchor_event_missing",
  "chain_anchor_rejected",
  "chain_anchor_lost",
  "chain_unavailable",
  "embedded_chain_unsupported",
  "contract_not_compiled",
  "contract_artifact_invalid",
  // deployments and re-anchoring
  "deployment_unknown",
  "reanchor_target_not_current",
  // owners' signing keys and signed registrations
  "signing_key_challenge_invalid",
  "signing_key_taken",
  "signature_invalid",
  "signature_expired",
  "signature_replayed",
  "signer_not_registered",
  "deployments_file_invalid",
  // complaints
  "attachment_too_large",
  "attachment_not_pdf",
  "attachment_encrypted",
  "attachment_has_javascript",
  "too_many_attachments",
  "own_listing",
  "listing_delisted",
  "complaint_open",
  "invalid_transition",
  "appeal_window_closed",
  // the service itself
  "database_unavailable",
  "data_dir_in_use",
  // we have a bug
  "internal_error",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ImprintErrorOptions {
  /** Structured facts a client may act on (shown to it). */
  details?: unknown;
  /** The underlying failure (a library error, a chain error): logged, never shown to a client. */
  cause?: unknown;
  /** When a retry makes sense (overload, a loading index), in seconds. */
  retryAfterS?: number;
}

/**
 * The one error type of the service: a stable `code`, a sentence for people, optional `details` for the
 * client and a `cause` for the log. Every caller-facing failure is an ImprintError; anything else is a bug.
 */
export class ImprintError extends Error {
  readonly details?: unknown;
  readonly retryAfterS?: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: ImprintErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ImprintError";
    this.details = options.details;
    this.retryAfterS = options.retryAfterS;
  }
}

/** The caller is wrong: throw an ImprintError with `code` unless `condition` holds. */
export function validate(condition: unknown, code: ErrorCode, message: string): asserts condition {
  if (!condition) throw new ImprintError(code, message);
}

/** We have a bug: an internal invariant failed. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`invariant violated: ${message}`);
}
