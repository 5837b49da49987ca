// A worker thread starts as plain Node, whether the service runs under `tsx` or vitest: register tsx's
// CommonJS loader, then load the TypeScript module the pool names.
require("tsx/cjs/api").register();
require(require("node:worker_threads").workerData.module);
