import { randomBytes } from "node:crypto";
import { and, asc, eq, gt, isNull } from "drizzle-orm";
import { getAddress, verifyMessage } from "ethers";
import type { Actor } from "../accounts/actor";
import { ImprintError } from "../core/errors";
import type { Db } from "../db/client";
import { signingKeyChallenges, signingKeys } from "../db/schema";
import type { UseCaseDeps } from "./context";
import { authorize } from "./permissions";

/** A challenge must be signed and sent back within this. */
export const CHALLENGE_TTL_MS = 10 * 60_000;

export interface SigningKeyView {
  address: string;
  accountId: string;
  createdAt: string;
}

export interface Challenge {
  address: string;
  nonce: string;
  /** The text to sign as an EIP-191 personal message (`personal_sign`, ethers `signMessage`). */
  message: string;
  expiresAt: string;
}

/** Any spelling of an address → lowercase, or invalid_request. */
export function normalizeAddress(address: string): string {
  try {
    return getAddress(address).toLowerCase();
  } catch {
    throw new ImprintError("invalid_request", `${JSON.stringify(address.slice(0, 60))} is not an Ethereum address`);
  }
}

/**
 * Step 1 of registering a key: a one-time text naming the key, the organisation and a random nonce. Signed by the
 * key, it proves the organisation holds it; the nonce makes it useless for any other registration, or after use.
 */
export async function createChallengeUseCase(deps: UseCaseDeps, actor: Actor, address: string, now = new Date()): Promise<Challenge> {
  authorize(actor, "organisation");
  const accountId = actor.organisationId;
  const key = normalizeAddress(address);
  const nonce = randomBytes(16).toString("hex");
  const expiresAt = new Date(now.getTime() + CHALLENGE_TTL_MS);
  const message = [
    "Imprint: register this key to sign image registrations.",
    `Key: ${key}`,
    `Organisation: ${accountId}`,
    `Nonce: ${nonce}`,
    `Expires: ${expiresAt.toISOString()}`,
  ].join("\n");
  await deps.db.insert(signingKeyChallenges).values({ nonce, accountId, address: key, message, expiresAt });
  return { address: key, nonce, message, expiresAt: expiresAt.toISOString() };
}

/**
 * Step 2: the key's signature over the challenge. The challenge is consumed whether or not the key is then
 * taken, and a key speaks for one organisation at a time (another's active key is refused).
 */
export async function registerSigningKeyUseCase(deps: UseCaseDeps, actor: Actor, input: { nonce: string; signature: string }, now = new Date()): Promise<SigningKeyView> {
  authorize(actor, "organisation");
  const { db } = deps;
  const accountId = actor.organisationId;
  const [challenge] = await db
    .update(signingKeyChallenges)
    .set({ usedAt: now })
    .where(
      and(
        eq(signingKeyChallenges.nonce, input.nonce),
        eq(signingKeyChallenges.accountId, accountId),
        isNull(signingKeyChallenges.usedAt),
        gt(signingKeyChallenges.expiresAt, now),
      ),
    )
    .returning();
  if (!challenge) throw new ImprintError("signing_key_challenge_invalid", "no unused, unexpired challenge with this nonce for this account: ask for a new one");
  let signer: string;
  try {
    signer = verifyMessage(challenge.message, input.signature).toLowerCase();
  } catch (error) {
    throw new ImprintError("signature_invalid", "the signature is not a 65-byte ECDSA signature", { cause: error });
  }
  if (signer !== challenge.address) throw new ImprintError("signature_invalid", `the challenge was signed by ${signer}, not by ${challenge.address}`);

  const existing = await activeKey(db, challenge.address);
  if (existing && existing.accountId !== accountId) throw new ImprintError("signing_key_taken", `${challenge.address} is a signing key of another organisation`);
  if (existing) return existing;
  const [row] = await db.insert(signingKeys).values({ address: challenge.address, accountId }).onConflictDoNothing().returning();
  if (!row) throw new ImprintError("signing_key_taken", `${challenge.address} was just registered by another organisation`);
  return view(row);
}

/** Anyone of the organisation may see which keys sign for it. */
export async function listSigningKeysUseCase(deps: UseCaseDeps, actor: Actor): Promise<SigningKeyView[]> {
  const accountId = actor.organisationId;
  const rows = await deps.db
    .select()
    .from(signingKeys)
    .where(and(eq(signingKeys.accountId, accountId), isNull(signingKeys.revokedAt)))
    .orderBy(asc(signingKeys.createdAt));
  return rows.map(view);
}

/** Revoking stops new signatures counting; registrations it signed before stay signed (their leaves are anchored). */
export async function revokeSigningKeyUseCase(deps: UseCaseDeps, actor: Actor, address: string, now = new Date()): Promise<void> {
  authorize(actor, "organisation");
  const accountId = actor.organisationId;
  const rows = await deps.db
    .update(signingKeys)
    .set({ revokedAt: now })
    .where(and(eq(signingKeys.accountId, accountId), eq(signingKeys.address, normalizeAddress(address)), isNull(signingKeys.revokedAt)))
    .returning({ id: signingKeys.id });
  if (rows.length === 0) throw new ImprintError("not_found", `${address} is not an active signing key of this account`);
}

/** The organisation an address currently signs for, if any. */
export async function activeKey(db: Db, address: string): Promise<SigningKeyView | null> {
  const [row] = await db
    .select()
    .from(signingKeys)
    .where(and(eq(signingKeys.address, address), isNull(signingKeys.revokedAt)))
    .limit(1);
  return row ? view(row) : null;
}

function view(row: typeof signingKeys.$inferSelect): SigningKeyView {
  return { address: row.address, accountId: row.accountId, createdAt: row.createdAt.toISOString() };
}
