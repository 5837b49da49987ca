/**
 * A matcher whose verification features live in memory: for tests and benchmarks. The service keeps only the
 * index in memory and reads verification features from the database (src/library/images.ts featureLoader).
 */
import { topFeatures, type ImageFeatures } from "./features";
import { createMatcher, STORED_KEYPOINTS, type FeatureLoader, type Matcher, type MatcherOptions } from "./matcher";

export interface MemoryMatcher extends Omit<Matcher, "add"> {
  /** Index the image and keep its STORED_KEYPOINTS strongest keypoints for verification, as the database does. */
  add(id: string, features: ImageFeatures): void;
}

export function createMemoryMatcher(options: Omit<MatcherOptions, "loadFeatures"> = {}): MemoryMatcher {
  const stored = new Map<string, ImageFeatures>();
  const load: FeatureLoader = async (ids) => new Map(ids.flatMap((id) => (stored.has(id) ? [[id, stored.get(id)!]] : [])));
  const matcher = createMatcher({ ...options, loadFeatures: load });
  return {
    ...matcher,
    add(id, features) {
      const kept = topFeatures(features, STORED_KEYPOINTS);
      stored.set(id, kept);
      matcher.add(id, kept);
    },
    remove(id) {
      stored.delete(id);
      return matcher.remove(id);
    },
    get size() {
      return matcher.size;
    },
  };
}
