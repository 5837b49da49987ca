/**
 * The chain client: an ethers JsonRpcProvider tuned for local nodes plus a signer that hands out nonces
 * one transaction at a time (one anchorer process per key).
 */
import {
  AbstractSigner,
  FetchRequest,
  JsonRpcProvider,
  Network,
  Wallet,
  type Provider,
  type Signer,
  type TransactionRequest,
  type TransactionResponse,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";

export interface ChainClientOptions {
  rpcUrl: string;
  /** 0x-prefixed 32-byte key of the anchorer (or deployer). */
  privateKey: string;
  /** When known, no eth_chainId round trip is made at start-up (and a dead node does not loop retrying). */
  chainId?: number;
  pollingIntervalMs?: number;
}

export interface ChainClient {
  provider: JsonRpcProvider;
  wallet: SequencedSigner;
  address: string;
}

export function createChainClient({ rpcUrl, privateKey, chainId, pollingIntervalMs = 50 }: ChainClientOptions): ChainClient {
  const provider = createProvider(rpcUrl, { chainId, pollingIntervalMs });
  const wallet = new SequencedSigner(new Wallet(privateKey, provider));
  return { provider, wallet, address: wallet.address };
}

/**
 * A read-only provider. ethers' defaults hurt against local nodes: batching adds ~10 ms a call and the
 * 250 ms result cache returned stale nonces ("nonce too low"), so both are off.
 */
export function createProvider(
  rpcUrl: string,
  { chainId, pollingIntervalMs = 50, requestTimeoutMs = 30_000 }: { chainId?: number; pollingIntervalMs?: number; requestTimeoutMs?: number } = {},
): JsonRpcProvider {
  // ethers waits up to 5 minutes for one RPC answer by default: too long for a verifier or an API request.
  const request = new FetchRequest(rpcUrl);
  request.timeout = requestTimeoutMs;
  return new JsonRpcProvider(request, undefined, {
    staticNetwork: chainId === undefined ? true : Network.from(chainId),
    batchMaxCount: 1,
    cacheTimeout: -1,
    pollingInterval: pollingIntervalMs,
  });
}

/**
 * Sends one transaction at a time and picks its nonce as max(next local nonce, node's pending count).
 * Unlike ethers' NonceManager, a send that fails before broadcast (e.g. a revert at gas estimation)
 * does not burn a nonce and leave a gap that blocks every later transaction.
 */
export class SequencedSigner extends AbstractSigner<Provider> {
  readonly address: string;
  #next: number | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(readonly signer: Wallet) {
    super(signer.provider ?? undefined);
    this.address = signer.address;
  }

  async getAddress(): Promise<string> {
    return this.address;
  }

  connect(provider: Provider | null): SequencedSigner {
    return new SequencedSigner(this.signer.connect(provider));
  }

  signTransaction(tx: TransactionRequest): Promise<string> {
    return this.signer.signTransaction(tx);
  }

  signMessage(message: string | Uint8Array): Promise<string> {
    return this.signer.signMessage(message);
  }

  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, Array<TypedDataField>>,
    value: Record<string, unknown>,
  ): Promise<string> {
    return this.signer.signTypedData(domain, types, value);
  }

  /** Forgets the local nonce: the node's count is the truth again (e.g. after the node restarted from older state). */
  resetNonce(): void {
    this.#next = undefined;
  }

  sendTransaction(tx: TransactionRequest): Promise<TransactionResponse> {
    const run = this.#queue.then(() => this.#send(tx));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #send(tx: TransactionRequest): Promise<TransactionResponse> {
    const pending = await this.signer.getNonce("pending");
    const nonce = Math.max(pending, this.#next ?? 0);
    try {
      const sent = await this.signer.sendTransaction({ ...tx, nonce });
      this.#next = nonce + 1;
      return sent;
    } catch (err) {
      // Re-read the node's count next time rather than trusting ours (a dropped tx, another sender).
      this.#next = undefined;
      throw err;
    }
  }
}

/** The provider behind a signer, or a clear failure. */
export function providerOf(signer: Signer): Provider {
  if (!signer.provider) throw new Error("the signer has no provider");
  return signer.provider;
}
