import { ImprintError } from "../core/errors";
import { writeTogether } from "../db/write-together";
import { delistListing, getListing, newListing, type ListingView } from "../library/listings";
import type { Actor } from "../accounts/actor";
import { authorize, ownsOrOperates } from "./permissions";
import type { UseCaseDeps } from "./context";
import { receiveImage, type ImageSource } from "./image-source";
import { watchStatements, WATCH_JOB } from "./watch";

export interface AddListingInput {
  image: ImageSource;
  productId: string;
  storeId: string;
  storeCountry: string;
  category: string;
  listedAt?: Date;
}

/** Adds a listed product image of the actor's organisation to the searchable library, and queues its watch. */
export async function addListingUseCase(deps: UseCaseDeps, actor: Actor, input: AddListingInput): Promise<ListingView> {
  authorize(actor, "store");
  const { config } = deps;
  const now = new Date();
  // A listing dated ahead would stay "recent" (search scope) for as long as its date lies ahead.
  if (input.listedAt && input.listedAt.getTime() > now.getTime() + config.CLOCK_SKEW_MS) {
    throw new ImprintError("invalid_request", "'listedAt' lies in the future");
  }
  const received = await receiveImage(input.image, deps.fetchImage, config.MAX_UPLOAD_BYTES);
  const { fingerprint, features } = await deps.analyser.forLibrary(received.bytes);
  if (Math.min(fingerprint.width, fingerprint.height) < config.MIN_QUERY_SIDE) {
    throw new ImprintError("image_too_small", `a listing image needs at least ${config.MIN_QUERY_SIDE} px on its shorter side`);
  }
  const { listing, statements } = newListing(deps.db, {
    accountId: actor.organisationId,
    listedBy: actor.memberId,
    fingerprint,
    byteSize: received.bytes.length,
    features,
    productId: input.productId,
    storeId: input.storeId,
    storeCountry: input.storeCountry,
    category: input.category,
    listedAt: input.listedAt ?? now,
    sourceUrl: received.sourceUrl,
  });
  // The listing and its watch job are written together: no listing escapes the watch, even after a crash.
  await writeTogether(deps.db, [...statements, ...watchStatements(deps.db, listing.imageId, received.bytes)]);
  deps.onImageAdded?.();
  deps.wakeJobs?.(WATCH_JOB);
  return listing;
}

/** One listing of the actor's organisation; another organisation's answers like a missing one. */
export async function getListingUseCase(deps: UseCaseDeps, actor: Actor, id: string): Promise<ListingView> {
  authorize(actor, "store", "operate");
  const listing = await getListing(deps.db, id);
  if (!listing || !ownsOrOperates(actor, listing.accountId)) throw new ImprintError("not_found", `no listing ${id}`);
  return listing;
}

/** Marks a listing delisted: it stays searchable for RETENTION_DELISTED_DAYS, then is purged. */
export async function delistListingUseCase(deps: UseCaseDeps, actor: Actor, id: string): Promise<ListingView> {
  const listing = await getListingUseCase(deps, actor, id);
  await delistListing(deps.db, listing.id, new Date());
  return (await getListing(deps.db, listing.id))!;
}
