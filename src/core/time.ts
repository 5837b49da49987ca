/** `2026-11-27T12:00:00.123Z` and nothing else: one spelling per instant, so a text can be bound to a hash. */
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Seconds since the epoch as the one ISO spelling above. */
export function isoOfSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
