/**
 * The search index's refresh, against a stand-in database whose reads the test answers one by one: the order of a
 * poll's read and a commit is what matters here, and a real database answers too fast to hold a read in flight.
 */
import { describe, expect, it } from "vitest";
import type { Db } from "../src/db/client";
import { createMatcher } from "../src/matching/matcher";
import { LibraryIndex } from "../src/search/library-index";

/** A database whose every read waits in `reads` until the test answers it with rows. */
function heldReads() {
  const reads: ((rows: unknown[]) => void)[] = [];
  const query: unknown = new Proxy(() => query, {
    get: (_, key) => (key === "then" ? (resolve: (rows: unknown[]) => void) => reads.push(resolve) : () => query),
  });
  return { db: { select: () => query } as unknown as Db, reads };
}

const imageRow = (id: string, seq: number) => ({
  id,
  seq,
  kind: "original",
  accountId: "acc_1",
  descriptors: null,
  pdq: Buffer.alloc(32, seq),
  pdqQuality: 100,
  category: "c",
  timeMs: "1",
});

const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("the search index's refresh", () => {
  it("reads again for a caller who came while a poll was reading: that poll may have begun before the caller's commit", async () => {
    const { db, reads } = heldReads();
    const library = new LibraryIndex(db, createMatcher({ loadFeatures: async () => new Map() }), { pollMs: 60_000 });
    library.start();
    await settled();
    reads.shift()!([]); // the first load: an empty library
    expect(await library.whenLoaded(1_000)).toBe(true);

    const first = library.refresh(); // e.g. another registration's
    await settled();
    expect(reads).toHaveLength(1); // its poll is reading...
    // ...when img_b commits, and its registration asks for a refresh.
    const second = library.refresh();
    const third = library.refresh();
    reads.shift()!([imageRow("img_a", 1)]); // the running poll began before img_b's commit
    await first;
    expect(library.get("img_a")).toBeDefined();
    await settled();
    expect(reads).toHaveLength(1); // one more poll, for both later callers
    reads.shift()!([imageRow("img_b", 2)]);
    await Promise.all([second, third]);
    expect(library.get("img_b")).toBeDefined();
    expect(reads).toHaveLength(0);
    await library.stop();
  });

  it("waits for an image in the poll already under way, and polls for it again only when that poll did not bring it", async () => {
    const { db, reads } = heldReads();
    const library = new LibraryIndex(db, createMatcher({ loadFeatures: async () => new Map() }), { pollMs: 60_000 });
    library.start();
    await settled();
    reads.shift()!([]);
    expect(await library.whenLoaded(1_000)).toBe(true);

    // A registration's refresh is reading when its watch job asks for the image: that one read is enough.
    void library.refresh();
    await settled();
    const found = library.whenIndexed("img_a");
    reads.shift()!([imageRow("img_a", 1)]);
    await found;
    expect(library.get("img_a")).toBeDefined();
    await settled();
    expect(reads).toHaveLength(0);
    await library.whenIndexed("img_a"); // indexed already: no read at all
    expect(reads).toHaveLength(0);

    // The poll under way began before img_b's commit (another process's image): a poll of its own brings it.
    void library.refresh();
    await settled();
    const later = library.whenIndexed("img_b");
    reads.shift()!([]);
    await settled();
    expect(reads).toHaveLength(1);
    reads.shift()!([imageRow("img_b", 2)]);
    await later;
    expect(library.get("img_b")).toBeDefined();
    await library.stop();
  });
});
