#!/usr/bin/env node
// The CLI runs the TypeScript sources directly (the verifier is meant to be read, not just run).
require("tsx/cjs/api").register();
require("../src/cli/main.ts");
