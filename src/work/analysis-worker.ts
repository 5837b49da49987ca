/**
 * An analysis worker thread: the inline analyser, run off the event loop. Results go back structured-cloned
 * (typed arrays transferred); a query's features carry the grey images the matcher derives its other views from.
 */
import { setPriority } from "node:os";
import { workerData } from "node:worker_threads";
import { loadOpenCv } from "../matching/opencv";
import { inlineAnalyser, type ImageLimits } from "../use-cases/image-analysis";
import { asBuffer, serveTasks } from "./protocol";

const ANALYSIS_NICE = 10;
const analyser = inlineAnalyser((workerData as { data: ImageLimits }).data);
// On Linux a nice value is per thread: analysis yields the CPU to the event loop that answers every other
// request (reads, listings, evidence) instead of sharing it equally.
if (process.platform === "linux") setPriority(ANALYSIS_NICE);
// Load OpenCV now rather than on the first request this worker takes.
void loadOpenCv();


serveTasks({
  forLibrary: (bytes: Uint8Array) => analyser.forLibrary(asBuffer(bytes)),
  forQuery: (bytes: Uint8Array) => analyser.forQuery(asBuffer(bytes)),
  fingerprint: (bytes: Uint8Array) => analyser.fingerprint(asBuffer(bytes)),
});
