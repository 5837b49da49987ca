/** A worker that runs ORB off its thread without pause, for a test that terminates it while ORB is in flight. */
import { parentPort } from "node:worker_threads";
import { loadNativeOrb } from "../../src/matching/orb-native";
import { mulberry32 } from "../../src/matching/ransac";

const orb = loadNativeOrb()!;
const rand = mulberry32(11);
const grey = { width: 512, height: 384, data: Uint8Array.from({ length: 512 * 384 }, () => Math.floor(rand() * 256)) };
void (async () => {
  for (let round = 0; ; round++) {
    // Four at once, so that every libuv thread has one when the worker is terminated.
    await Promise.all([0, 1, 2, 3].map(() => orb.detectOffThread!(grey, 1000, 3)));
    if (round === 0) parentPort!.postMessage("running");
  }
})();
