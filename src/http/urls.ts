/**
 * Absolute URL of an API path under the configured PUBLIC_BASE_URL (src/config.ts). Never built from the
 * request: its Host header is whatever the caller wrote, and links in answers are followed by others.
 */
export function absoluteUrl(base: string, path: string): string {
  return base + path;
}
