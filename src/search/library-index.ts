import { eq, gt, inArray, or, sql } from "drizzle-orm";
import { base64Of, fromBase64 } from "../db/bytea";
import type { Db } from "../db/client";
import { images, listings, originals } from "../db/schema";
import type { Matcher } from "../matching/matcher";
import { silentLogger, type Logger } from "../observability/logger";

const NO_DESCRIPTORS = new Uint8Array(0);

const PROGRESS_EVERY_MS = 10_000;

type Page = Awaited<ReturnType<LibraryIndex["readPage"]>>;

/** What search filters need to know of an indexed image, kept beside its features. */
export interface IndexedImage {
  kind: "original" | "listing";
  /** Whose image it is (watch alerts skip an organisation's own). Interned: one string per organisation. */
  organisationId: string;
  category: string;
  /** registeredAt of an original, listedAt of a listing (ms). Immutable, so never re-read. */
  timeMs: number;
}

export interface LibraryIndexOptions {
  pollMs?: number;
  /** How long a hole in `seq` is re-checked: a transaction that took a number may still commit. */
  gapWaitMs?: number;
  pageSize?: number;
  /** Images in the database when the process started: the denominator of the loading progress. */
  expectedImages?: number;
  log?: Logger;
}

/** Loading: the first full read of the library. Search waits for it: a partial index would miss copies silently. */
export interface IndexStatus {
  state: "loading" | "ready";
  images: number;
  expectedImages?: number;
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
  private readonly organisations = new Map<string, string>();
  private watermark = 0;
  private readonly gaps = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<number> | undefined;
  /** The poll that refresh() callers wait for: it begins once the poll running when they called has ended. */
  private nextPoll: Promise<number> | undefined;
  private loading: Promise<void> | undefined;
  private loaded = false;
  private stopped = false;
  private readonly loadedListeners = new Set<() => void>();
  private readonly pollMs: number;
  private readonly gapWaitMs: number;
  private readonly pageSize: number;
  private readonly expectedImages: number | undefined;
  private readonly log: Logger;

  constructor(
    private readonly db: Db,
    readonly matcher: Matcher,
    options: LibraryIndexOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 250;
    this.gapWaitMs = options.gapWaitMs ?? 30_000;
    this.pageSize = options.pageSize ?? 2_000;
    this.expectedImages = options.expectedImages;
    this.log = options.log ?? silentLogger;
  }

  get size(): number {
    return this.meta.size;
  }

  get(id: string): IndexedImage | undefined {
    return this.meta.get(id);
  }

  get status(): IndexStatus {
    return { state: this.loaded ? "ready" : "loading", images: this.meta.size, expectedImages: this.expectedImages };
  }

  /**
   * Starts loading the library in the background (at 1 M images this takes minutes; the rest of the service
   * serves meanwhile), then keeps polling until `stop()`. A failed read is logged and retried.
   */
  start(): void {
    this.loading ??= this.load();
  }

  /** True once loaded; false if `timeoutMs` passed first. */
  whenLoaded(timeoutMs = Infinity): Promise<boolean> {
    if (this.loaded) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.loadedListeners.delete(onLoaded);
        resolve(value);
      };
      const onLoaded = () => done(true);
      const timer = Number.isFinite(timeoutMs) ? setTimeout(() => done(false), timeoutMs) : undefined;
      this.loadedListeners.add(onLoaded);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.loading;
    await this.polling?.catch(() => undefined);
  }

  private async load(): Promise<void> {
    const started = Date.now();
    let reported = started;
    while (!this.stopped) {
      try {
        // The next page is read while this one is indexed: on PostgreSQL (another process) the two overlap.
        let next: Promise<Page> | undefined = this.readPage([]);
        try {
          while (next && !this.stopped) {
            const page: Page = await next;
            next = page.length === this.pageSize ? this.readPage([], page[page.length - 1].seq) : undefined;
            // Holes found while loading are purged rows, not commits in flight: they are not worth re-checking.
            this.apply(page);
            if (Date.now() - reported < PROGRESS_EVERY_MS) continue;
            reported = Date.now();
            const of = this.expectedImages ? ` of about ${this.expectedImages}` : "";
            this.log.info({ images: this.meta.size, expectedImages: this.expectedImages }, `search index: loading, ${this.meta.size}${of} images after ${((reported - started) / 1000).toFixed(0)} s`);
          }
        } finally {
          // A stop or a failure leaves no read running behind the loader (the database may be closed next).
          await next?.catch(() => undefined);
        }
        break;
      } catch (error) {
        this.log.warn({ err: error }, "search index: loading failed (retrying)");
        await new Promise((resolve) => setTimeout(resolve, this.pollMs * 4));
      }
    }
    if (this.stopped) return;
    this.loaded = true;
    this.log.info({ images: this.meta.size, seconds: (Date.now() - started) / 1000 }, "search index: loaded");
    for (const listener of this.loadedListeners) listener();
    this.tick();
  }

  private tick(): void {
    this.timer = setTimeout(() => {
      this.poll()
        .catch((error: unknown) => this.log.warn({ err: error }, "search index: poll failed"))
        .finally(() => {
          if (this.timer) this.tick();
        });
    }, this.pollMs);
    this.timer.unref?.();
  }

  /**
   * Picks up every image committed before this call (after a local insert, so that one's own registration is
   * searchable at once). A poll already running may have begun reading before that commit, so the caller waits for
   * a poll that begins after it; callers until then share that one.
   */
  refresh(): Promise<void> {
    // While loading, polls would race the loader's reads: poll once it is done.
    if (!this.loaded) return this.whenLoaded().then(() => this.refresh());
    this.nextPoll ??= (this.polling ?? Promise.resolve(0))
      .catch(() => 0)
      .then(() => {
        this.nextPoll = undefined;
        return this.stopped ? 0 : this.poll();
      });
    return this.nextPoll.then(
      () => undefined,
      (error: unknown) => this.log.warn({ err: error }, "search index: refresh failed"),
    );
  }

  /**
   * Resolves once image `id`, committed before this call, is indexed (or no poll found it: purged, or a read that
   * failed). A poll reads only what was committed when it began, so a poll already running or queued may or may not
   * bring it; only when it has not does this ask for a poll of its own (refresh). The poll that a local insert asked
   * for is usually still running when its watch job looks: one read, not two.
   */
  async whenIndexed(id: string): Promise<void> {
    if (this.meta.has(id)) return;
    await Promise.allSettled([this.polling, this.nextPoll]);
    if (!this.meta.has(id)) await this.refresh();
  }

  remove(id: string): void {
    this.meta.delete(id);
    this.matcher.remove(id);
  }

  /** One poll; concurrent callers share it. Returns how many rows it read. */
  private poll(): Promise<number> {
    this.polling ??= this.readNew().finally(() => (this.polling = undefined));
    return this.polling;
  }

  /** New images since the last poll, plus rows that filled holes; returns how many rows it read. */
  private async readNew(): Promise<number> {
    const now = Date.now();
    for (const [seq, since] of this.gaps) if (now - since > this.gapWaitMs) this.gaps.delete(seq);
    const rows = await this.readPage([...this.gaps.keys()]);
    this.apply(rows, now);
    return rows.length;
  }

  /** One page of images after seq `after` (default: the watermark) and in `holes`, in seq order. */
  private async readPage(holes: number[], after = this.watermark) {
    // Awaited here, once: a drizzle query runs again each time it is awaited.
    return await this.db
      .select({
        id: images.id,
        seq: images.seq,
        kind: images.kind,
        accountId: images.accountId,
        descriptors: base64Of(images.indexDescriptors),
        pdq: images.pdq,
        pdqQuality: images.pdqQuality,
        category: sql<string>`coalesce(${originals.category}, ${listings.category})`,
        timeMs: sql<string>`coalesce(${originals.registeredAtMs}, (extract(epoch from ${listings.listedAt}) * 1000)::bigint)`,
      })
      .from(images)
      .leftJoin(originals, eq(originals.imageId, images.id))
      .leftJoin(listings, eq(listings.imageId, images.id))
      .where(holes.length ? or(gt(images.seq, after), inArray(images.seq, holes)) : gt(images.seq, after))
      .orderBy(images.seq)
      .limit(this.pageSize);
  }

  /** Indexes a page of rows; with `gapsSeenAt`, seqs skipped below the new watermark are re-checked until gapWaitMs after it. */
  private apply(rows: Page, gapsSeenAt?: number): void {
    for (const row of rows) {
      this.gaps.delete(row.seq);
      if (row.seq > this.watermark) {
        if (gapsSeenAt !== undefined) for (let s = this.watermark + 1; s < row.seq; s++) this.gaps.set(s, gapsSeenAt);
        this.watermark = row.seq;
      }
      if (this.meta.has(row.id) || row.category === null) continue;
      let organisationId = this.organisations.get(row.accountId);
      if (organisationId === undefined) this.organisations.set(row.accountId, (organisationId = row.accountId));
      this.meta.set(row.id, { kind: row.kind, organisationId, category: row.category, timeMs: Number(row.timeMs) });
      // The PDQ is the fingerprint's (the same computation), kept once in its column, not in the features blob.
      // An image without local features is still found by its PDQ.
      const descriptors = row.descriptors === null ? NO_DESCRIPTORS : fromBase64(row.descriptors);
      this.matcher.add(row.id, { descriptors, pdq: { hash: row.pdq, quality: row.pdqQuality } });
    }
  }
}
