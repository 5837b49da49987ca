/**
 * The verification features of recently verified images, kept in memory up to a byte budget, least recently used
 * out first. Reading them is a database round trip per query view and a decode of ~18 KB per candidate on the
 * event loop, while the same originals are candidates query after query (a seller's catalogue, a copied product).
 * An image's features never change once stored; a removed image is forgotten.
 */
import type { ImageFeatures } from "./features";
import type { FeatureLoader } from "./matcher";

export interface FeatureCacheStatus {
  images: number;
  bytes: number;
  hits: number;
  misses: number;
}

/** What an entry holds: its typed arrays, plus a fixed allowance for the objects around them. */
const ENTRY_OVERHEAD_BYTES = 256;

export class FeatureCache {
  /** In order of use, least recent first (a Map iterates in insertion order; a hit moves its entry to the end). */
  private readonly entries = new Map<string, { features: ImageFeatures; bytes: number }>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly loader: FeatureLoader,
    private readonly maxBytes: number,
  ) {}

  /** A FeatureLoader: the cached features of `ids`, the rest read in one call to the underlying loader. */
  readonly load: FeatureLoader = async (ids) => {
    const out = new Map<string, ImageFeatures>();
    const missing: string[] = [];
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (!entry) {
        missing.push(id);
        continue;
      }
      this.entries.delete(id);
      this.entries.set(id, entry);
      out.set(id, entry.features);
    }
    this.hits += ids.length - missing.length;
    this.misses += missing.length;
    if (missing.length === 0) return out;
    for (const [id, features] of await this.loader(missing)) {
      out.set(id, features);
      this.keep(id, features);
    }
    return out;
  };

  forget(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    this.bytes -= entry.bytes;
  }

  status(): FeatureCacheStatus {
    return { images: this.entries.size, bytes: this.bytes, hits: this.hits, misses: this.misses };
  }

  private keep(id: string, features: ImageFeatures): void {
    const bytes = features.keypoints.byteLength + features.descriptors.byteLength + ENTRY_OVERHEAD_BYTES;
    if (bytes > this.maxBytes) return;
    this.forget(id);
    this.entries.set(id, { features, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }
}
