/** A worker module for WorkerPool tests: tasks that sleep, answer, fail or kill their thread. */
import { ImprintError } from "../../src/core/errors";
import { serveTasks } from "../../src/work/protocol";

serveTasks({
  echo: async (input: { value: number; ms?: number }) => {
    if (input.ms) await new Promise((resolve) => setTimeout(resolve, input.ms));
    return { value: input.value, bytes: new Uint8Array([input.value]) };
  },
  refuse: async () => {
    throw new ImprintError("invalid_image", "not an image", { details: { why: "test" }, cause: new Error("libvips said no") });
  },
  crash: async () => process.exit(7),
});
