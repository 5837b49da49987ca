import { readdirSync, realpathSync, statSync } from "node:fs";
import path from "node:path";

const IMAGE_EXTENSIONS = new Set([".jpg", ".jpeg", ".png", ".webp"]);
const isImageName = (file: string) => IMAGE_EXTENSIONS.has(path.extname(file).toLowerCase());

export interface CollectedFiles {
  files: string[];
  /** Links named like images under the folders that point nowhere: nothing to upload, but the user should hear of them. */
  dangling: string[];
}

/**
 * The image files named, folders walked recursively, in a stable order; anything else named is an error. Symbolic
 * links are followed (a catalogue is often assembled from links); a folder is walked once per real path, so a link
 * back up the tree (a loop) or two links to the same folder do not walk it again.
 */
export function collectImageFiles(paths: readonly string[]): CollectedFiles {
  const files: string[] = [];
  const dangling: string[] = [];
  const walked = new Set<string>();
  const walk = (dir: string) => {
    const real = realpathSync(dir);
    if (walked.has(real)) return;
    walked.add(real);
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      let isDirectory = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        let target;
        try {
          target = statSync(full);
        } catch {
          if (isImageName(full)) dangling.push(full);
          continue;
        }
        isDirectory = target.isDirectory();
        isFile = target.isFile();
      }
      if (isDirectory) walk(full);
      else if (isFile && isImageName(full)) files.push(full);
    }
  };
  for (const p of paths) {
    const stat = statSync(p); // throws ENOENT with the path: a typo is a usage error, not an empty run
    if (stat.isDirectory()) walk(p);
    else files.push(p);
  }
  return { files: [...new Set(files)], dangling };
}
