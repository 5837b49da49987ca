import type { ChainReachability } from "../chain/reachability";
import type { Metrics } from "../observability/metrics";
import type { UseCaseDeps } from "../use-cases/context";

export type { ChainInfo } from "../use-cases/context";

/** Everything the HTTP edge needs: the use cases' dependencies plus the operator's signals (built by src/services.ts or a test, injected). */
export interface AppDeps extends UseCaseDeps {
  metrics?: Metrics;
  /** Whether the chain answers (cached), for /readyz and the metrics. */
  chainReachability?: () => Promise<ChainReachability>;
}
