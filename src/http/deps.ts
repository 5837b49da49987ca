import type { UseCaseDeps } from "../use-cases/context";

export type { ChainInfo } from "../use-cases/context";

/** Everything the HTTP edge needs: the use cases' dependencies (built by src/services.ts or a test, injected). */
export type AppDeps = UseCaseDeps;
