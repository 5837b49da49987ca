import { lookup } from "node:dns/promises";
import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { ImprintError } from "../core/errors";
import { isAllowedAddress, type FetchPolicy } from "./fetch-policy";

export interface SafeRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface SafeResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The URL that answered, after redirects. */
  url: string;
  body: Buffer;
}

/** The one sentence of every refusal: which rule refused (and so what the service's network looks like) is logged only. */
const NOT_ALLOWED = "the URL is not allowed: only http(s) URLs of public hosts on the allowed ports are fetched";

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Fetches a URL under a policy, for callers who name the URL (images by URL, webhooks). Every hop, the first
 * and each redirect, is checked before anything is sent: http(s) only, an allowed port, and every address the
 * host resolves to allowed. The connection then goes to the address that was checked (the resolver is not
 * asked again), so a name that resolves differently a moment later (DNS rebinding) cannot reach a refused one.
 * Redirects are followed by hand, at most `policy.maxRedirects`. One deadline covers everything.
 *
 * Refusals throw `url_not_allowed`, a missed deadline `fetch_timeout`, anything else `fetch_failed`; the
 * answer's status is returned to the caller, never put in an error message.
 */
export async function safeFetch(rawUrl: string, init: SafeRequest, policy: FetchPolicy): Promise<SafeResponse> {
  const deadline = AbortSignal.timeout(policy.timeoutMs);
  let url = parseUrl(rawUrl);
  let request = init;
  for (let hop = 0; ; hop++) {
    const address = await withDeadline(checkedAddress(url, policy), deadline, policy.timeoutMs);
    const response = await withDeadline(send(url, address, request, deadline), deadline, policy.timeoutMs);
    const location = response.headers.location;
    if (!REDIRECTS.has(response.statusCode ?? 0) || location === undefined) {
      const body = await withDeadline(readBody(response, policy.maxBytes), deadline, policy.timeoutMs);
      return { status: response.statusCode ?? 0, headers: response.headers, url: url.href, body };
    }
    response.destroy();
    if (hop >= policy.maxRedirects) throw notAllowed(`more than ${policy.maxRedirects} redirects`);
    const next = parseUrl(location, url);
    // 301/302/303 turn into a GET without a body (what browsers do); 307/308 repeat the request as it was.
    if (response.statusCode !== 307 && response.statusCode !== 308) request = { headers: request.headers };
    // Credentials meant for one origin (a webhook's signature key, say) are not handed to another.
    if (next.origin !== url.origin) request = { ...request, headers: withoutCredentials(request.headers) };
    url = next;
  }
}

const CREDENTIAL_HEADERS = new Set(["authorization", "cookie", "proxy-authorization"]);

function withoutCredentials(headers: Record<string, string> | undefined): Record<string, string> | undefined {
  return headers && Object.fromEntries(Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase())));
}

function parseUrl(raw: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch (error) {
    throw base ? notAllowed("a redirect to an unparseable location", error) : new ImprintError("invalid_url", "'url' is not an absolute URL");
  }
  return url;
}

/** The address to connect to for `url`, after every rule of the policy has passed. */
async function checkedAddress(url: URL, policy: FetchPolicy): Promise<{ address: string; family: 4 | 6 }> {
  const { host, trusted } = checkedTarget(url, policy);
  let addresses: string[];
  try {
    addresses = await addressesOf(host, policy);
  } catch (error) {
    // Said the same way as a refusal: whether a name exists inside our network is not for callers to learn.
    throw notAllowed(`${host} does not resolve`, error);
  }
  if (addresses.length === 0) throw notAllowed(`${host} has no address`);
  if (!trusted) checkAddresses(host, addresses, policy);
  return { address: addresses[0], family: isIP(addresses[0]) === 6 ? 6 : 4 };
}

/**
 * Checks now a URL the service will fetch later (a webhook's receiver), by the rules every fetch applies, so that
 * a URL every fetch would refuse is refused when it is given rather than retried for a day. A name that does not
 * resolve now is let through: it may be published later, and every fetch resolves and checks it again. (The price:
 * unlike a fetch's refusal, this one tells a name that resolves to a refused address from one that does not resolve.)
 */
export async function checkUrl(rawUrl: string, policy: FetchPolicy): Promise<void> {
  const { host, trusted } = checkedTarget(parseUrl(rawUrl), policy);
  if (trusted) return;
  const deadline = AbortSignal.timeout(policy.timeoutMs);
  const addresses = await withDeadline(addressesOf(host, policy), deadline, policy.timeoutMs).catch(() => []);
  checkAddresses(host, addresses, policy);
}

/** The rules that need no resolving (scheme, credentials, port): the host to resolve, and whether its origin is trusted. */
function checkedTarget(url: URL, policy: FetchPolicy): { host: string; trusted: boolean } {
  if (url.protocol !== "http:" && url.protocol !== "https:") throw notAllowed(`scheme ${url.protocol}`);
  if (url.username || url.password) throw notAllowed("credentials in the URL");
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const trusted = policy.trustedOrigins?.has(url.origin) ?? false;
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  if (!trusted && !policy.allowedPorts.has(port)) throw notAllowed(`port ${port}`);
  return { host, trusted };
}

/** The addresses of a host: an address names itself. WHATWG URL parsing has already turned 0x7f000001, 127.1, 2130706433 and 0177.0.0.1 into 127.0.0.1. */
function addressesOf(host: string, policy: FetchPolicy): Promise<string[]> {
  return isIP(host) ? Promise.resolve([host]) : (policy.resolve ?? resolveAll)(host);
}

/** Every address, not only the first: a host with one public and one private address is refused. */
function checkAddresses(host: string, addresses: string[], policy: FetchPolicy): void {
  const refused = addresses.find((a) => !isAllowedAddress(a, policy.allowPrivate));
  if (refused !== undefined) throw notAllowed(`${host} resolves to ${refused}`);
}

async function resolveAll(hostname: string): Promise<string[]> {
  return (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);
}

function send(url: URL, pinned: { address: string; family: 4 | 6 }, init: SafeRequest, signal: AbortSignal): Promise<IncomingMessage> {
  // Node asks this instead of the resolver, so the socket opens to the address that was checked.
  const pinnedLookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return new Promise((resolve, reject) => {
    const req = (url.protocol === "https:" ? https : http).request(
      {
        protocol: url.protocol,
        hostname: host,
        port: url.port || undefined,
        path: url.pathname + url.search,
        method: init.method ?? "GET",
        headers: init.headers,
        lookup: pinnedLookup,
        // TLS checks the certificate against the name, while the socket goes to the pinned address.
        servername: isIP(host) ? undefined : host,
        // A pooled socket could have been opened for another address; every fetch opens its own.
        agent: false,
        signal,
      },
      resolve,
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

async function readBody(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers["content-length"] ?? NaN);
  if (declared > maxBytes) {
    response.destroy();
    throw tooLarge(maxBytes);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      response.destroy();
      throw tooLarge(maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Races a step against the fetch's deadline and turns network failures into the three codes. */
async function withDeadline<T>(step: Promise<T>, deadline: AbortSignal, timeoutMs: number): Promise<T> {
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(deadline.reason);
    if (deadline.aborted) onAbort();
    else deadline.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([step, aborted]);
  } catch (error) {
    if (error instanceof ImprintError) throw error;
    if (deadline.aborted) throw new ImprintError("fetch_timeout", `fetching the URL took longer than ${timeoutMs} ms`, { cause: error });
    throw new ImprintError("fetch_failed", "the URL could not be fetched", { cause: error });
  } finally {
    deadline.removeEventListener("abort", onAbort);
    step.catch(() => undefined);
  }
}

function notAllowed(reason: string, cause?: unknown): ImprintError {
  return new ImprintError("url_not_allowed", NOT_ALLOWED, { cause: cause === undefined ? reason : `${reason}: ${String(cause)}` });
}

function tooLarge(maxBytes: number): ImprintError {
  return new ImprintError("fetch_too_large", `the answer is larger than the limit of ${maxBytes} bytes`);
}
