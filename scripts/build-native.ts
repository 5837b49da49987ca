/**
 * Builds the native addon (src/matching/native: ORB, descriptor matching) when the system's OpenCV headers are installed; without them,
 * or if the build fails, the service uses the WASM builds, so installing never fails on this account. Run by
 * `npm install` (the package's install script); `.ci/run` installs the headers first.
 *
 *   npm run build:native
 */
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { NATIVE_ADDON_PATH } from "../src/matching/native-addon";

const ADDON_DIR = resolve(__dirname, "../src/matching/native");
/** Debian's libopencv-features2d-dev (with core and imgproc); binding.gyp names the same folder. */
const OPENCV_HEADER = "/usr/include/opencv4/opencv2/features2d.hpp";
const INSTALL_HINT = "apt-get install libopencv-features2d-dev, then npm run build:native";

function nodeGyp(): string[] {
  // npm puts its own node-gyp on the PATH of lifecycle scripts; `npm run` from a shell may not have it.
  const bundled = join(process.execPath, "../../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js");
  return existsSync(bundled) ? [process.execPath, bundled] : ["node-gyp"];
}

if (!existsSync(OPENCV_HEADER)) {
  rmSync(join(ADDON_DIR, "build"), { recursive: true, force: true });
  console.log(`native addon not built: no OpenCV headers (${OPENCV_HEADER}); the WASM builds are used (${INSTALL_HINT})`);
  process.exit(0);
}
const [command, ...args] = nodeGyp();
// npm passes its nodedir setting to scripts as npm_config_nodedir; node-gyp reads it, so headers come from disk.
const build = spawnSync(command, [...args, "rebuild"], { cwd: ADDON_DIR, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
if (build.status !== 0 || !existsSync(NATIVE_ADDON_PATH)) {
  rmSync(join(ADDON_DIR, "build"), { recursive: true, force: true });
  console.warn(`native addon build failed; the WASM builds are used:\n${build.stderr.split("\n").slice(-15).join("\n")}`);
  process.exit(0);
}
console.log(`native addon built: ${NATIVE_ADDON_PATH}`);
