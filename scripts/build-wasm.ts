/** Regenerates the WebAssembly modules of src/ from their text sources (scripts/lib/wasm.ts). */
import { writeFileSync } from "node:fs";
import { assemble, moduleText, WASM_SOURCES } from "./lib/wasm";

(async () => {
  for (const { wat, module } of WASM_SOURCES) {
    const binary = await assemble(wat);
    writeFileSync(module, moduleText(wat, binary));
    console.log(`${module}: ${binary.length} bytes`);
  }
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
