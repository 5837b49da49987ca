import { eq, gt, inArray, or, sql } from "drizzle-orm";
import { base64Of, fromBase64 } from "../db/bytea";
import type { Db } from "../db/client";
import { images, listings, originals } from "../db/schema";
import type { Matcher } from "../matching/matcher";

const NO_DESCRIPTORS = new Uint8Array(0);

/** What search filters need to know of an indexed image, kept beside its features. */
export interface IndexedImage {
  kind: "original" | "listing";
  category: string;
  /** registeredAt of an original, listedAt of a listing (ms). Immutable, so never re-read. */
  timeMs: number;
}

export interface LibraryIndexOptions {
  pollMs?: number;
  /** How long a hole in `seq` is re-checked: a transaction that took a number may still commit. */
  gapWaitMs?: number;
  pageSize?: number;
  log?: (line: string) => void;
}

/**
 * The search index of this process, fed from the database (the source of truth). New images are picked up by
 * polling `seq`, so several API processes on one PostgreSQL see each other's registrations within a poll.
 * Sequence numbers are taken at insert but become visible at commit, possibly out of order, so holes below
 * the watermark are re-checked for `gapWaitMs` before they are given up (rolled-back inserts leave holes).
 * Purged rows are not polled for: a hit whose row is gone is dropped by the search and removed from here.
 */
export class LibraryIndex {
  private readonly meta = new Map<string, IndexedImage>();
  private watermark = 0;
  private readonly gaps = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<number> | undefined;
  private readonly pollMs: number;
  private readonly gapWaitMs: number;
  private readonly pageSize: number;
  private readonly log: (line: string) => void;

  constructor(
    private readonly db: Db,
    readonly matcher: Matcher,
    options: LibraryIndexOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 250;
    this.gapWaitMs = options.gapWaitMs ?? 30_000;
    this.pageSize = options.pageSize ?? 2_000;
    this.log = options.log ?? (() => {});
  }

  get size(): number {
    return this.meta.size;
  }

  get(id: string): IndexedImage | undefined {
    return this.meta.get(id);
  }

  /** Loads everything, then keeps polling until `stop()`. */
  async start(): Promise<void> {
    // Holes found while loading are purged rows, not commits in flight: they are not worth re-checking.
    while ((await this.readNew(false)) === this.pageSize);
    const tick = () => {
      this.timer = setTimeout(() => {
        this.poll()
          .catch((error: unknown) => this.log(`search index: poll failed: ${String(error)}`))
          .finally(() => {
            if (this.timer) tick();
          });
      }, this.pollMs);
      this.timer.unref?.();
    };
    tick();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling?.catch(() => undefined);
  }

  /** Picks up new images now (after a local insert, so one's own registration is searchable at once). */
  refresh(): Promise<void> {
    return this.poll().then(
      () => undefined,
      (error: unknown) => this.log(`search index: refresh failed: ${String(error)}`),
    );
  }

  remove(id: string): void {
    this.meta.delete(id);
    this.matcher.remove(id);
  }

  /** One poll; concurrent callers share it. Returns how many rows it read. */
  private poll(): Promise<number> {
    this.polling ??= this.readNew(true).finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async readNew(recordGaps: boolean): Promise<number> {
    const now = Date.now();
    for (const [seq, since] of this.gaps) if (now - since > this.gapWaitMs) this.gaps.delete(seq);
    const holes = [...this.gaps.keys()];
    const rows = await this.db
      .select({
        id: images.id,
        seq: images.seq,
        kind: images.kind,
        descriptors: base64Of(images.indexDescriptors),
        pdq: images.pdq,
        pdqQuality: images.pdqQuality,
        category: sql<string>`coalesce(${originals.category}, ${listings.category})`,
        timeMs: sql<string>`coalesce(${originals.registeredAtMs}, (extract(epoch from ${listings.listedAt}) * 1000)::bigint)`,
      })
      .from(images)
      .leftJoin(originals, eq(originals.imageId, images.id))
      .leftJoin(listings, eq(listings.imageId, images.id))
      .where(holes.length ? or(gt(images.seq, this.watermark), inArray(images.seq, holes)) : gt(images.seq, this.watermark))
      .orderBy(images.seq)
      .limit(this.pageSize);
    for (const row of rows) {
      this.gaps.delete(row.seq);
      if (row.seq > this.watermark) {
        if (recordGaps) for (let s = this.watermark + 1; s < row.seq; s++) this.gaps.set(s, now);
        this.watermark = row.seq;
      }
      if (this.meta.has(row.id) || row.category === null) continue;
      this.meta.set(row.id, { kind: row.kind, category: row.category, timeMs: Number(row.timeMs) });
      // The PDQ is the fingerprint's (the same computation), kept once in its column, not in the features blob.
      // An image without local features is still found by its PDQ.
      const descriptors = row.descriptors === null ? NO_DESCRIPTORS : fromBase64(row.descriptors);
      this.matcher.add(row.id, { descriptors, pdq: { hash: row.pdq, quality: row.pdqQuality } });
    }
    return rows.length;
  }
}
