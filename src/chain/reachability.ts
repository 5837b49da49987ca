/**
 * Whether the chain answers: a cheap `eth_blockNumber` with a short timeout, cached so that readiness probes
 * and metric scrapes never queue up behind a slow RPC. Concurrent callers share one request.
 */
export interface ChainReachability {
  reachable: boolean;
  blockNumber: number | null;
  checkedAt: Date;
}

export interface ChainProbeOptions {
  timeoutMs?: number;
  /** How long an answer is reused. */
  cacheMs?: number;
}

export function chainProbe(rpcUrl: string, { timeoutMs = 1_000, cacheMs = 2_000 }: ChainProbeOptions = {}): () => Promise<ChainReachability> {
  let last: ChainReachability | undefined;
  let inFlight: Promise<ChainReachability> | undefined;
  const probe = async (): Promise<ChainReachability> => {
    try {
      const res = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = (await res.json()) as { result?: string };
      const ok = res.ok && typeof body.result === "string" && /^0x[0-9a-f]+$/i.test(body.result);
      return { reachable: ok, blockNumber: ok ? Number(BigInt(body.result!)) : null, checkedAt: new Date() };
    } catch {
      return { reachable: false, blockNumber: null, checkedAt: new Date() };
    }
  };
  return () => {
    if (last && Date.now() - last.checkedAt.getTime() < cacheMs) return Promise.resolve(last);
    inFlight ??= probe().then((r) => {
      last = r;
      inFlight = undefined;
      return r;
    });
    return inFlight;
  };
}
