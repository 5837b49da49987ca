import { readdirSync, statSync } from "node:fs";
import path from "node:path";

const IMAGE_EXTENSIONS = new Set([".jpg", ".jpeg", ".png", ".webp"]);

/** The image files named, folders walked recursively, in a stable order; anything else named is an error. */
export function collectImageFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && IMAGE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) files.push(full);
    }
  };
  for (const p of paths) {
    const stat = statSync(p); // throws ENOENT with the path: a typo is a usage error, not an empty run
    if (stat.isDirectory()) walk(p);
    else files.push(p);
  }
  return [...new Set(files)];
}
