import ipaddr from "ipaddr.js";
import type { Config } from "../config";

/**
 * What the service may fetch on a caller's behalf (image URLs today, webhooks later). A URL names a host the
 * caller chooses, so without a policy the service would be a proxy into its own network (SSRF).
 */
export interface FetchPolicy {
  /** Also allow loopback, private, link-local and other non-public addresses (tests, on-premises). */
  allowPrivate: boolean;
  /** Ports a URL may name (80 and 443 unless configured). */
  allowedPorts: ReadonlySet<number>;
  /** Redirects followed, each hop checked like the first. */
  maxRedirects: number;
  /** Deadline for the whole fetch: resolving, connecting, every hop and the body. */
  timeoutMs: number;
  /** Largest body read; a server may lie about or omit its length. */
  maxBytes: number;
  /**
   * Origins (`http://127.0.0.1:4000`) fetched without the address and port checks. Never built from the
   * configuration: tests inject it to put a local redirector in front of the checks.
   */
  trustedOrigins?: ReadonlySet<string>;
  /** Name resolution (default: the system resolver, every address). Tests inject one to play a DNS server. */
  resolve?: (hostname: string) => Promise<string[]>;
}

/** Redirect hops followed at most; a fourth is refused. */
export const MAX_REDIRECTS = 3;

/** The fetch policy of the configuration, for bodies of at most `maxBytes`. */
export function fetchPolicyOf(config: Pick<Config, "FETCH_ALLOW_PRIVATE" | "FETCH_ALLOWED_PORTS" | "FETCH_TIMEOUT_MS">, maxBytes: number): FetchPolicy {
  return {
    allowPrivate: config.FETCH_ALLOW_PRIVATE,
    allowedPorts: new Set(config.FETCH_ALLOWED_PORTS),
    maxRedirects: MAX_REDIRECTS,
    timeoutMs: config.FETCH_TIMEOUT_MS,
    maxBytes,
  };
}

/** Addresses no policy ever connects to: "this host" (0.0.0.0, ::), broadcast and multicast. */
const NEVER = new Set(["unspecified", "broadcast", "multicast"]);

/** IANA's global unicast block, 2000::/3: the only public IPv6 space. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR("2000::/3");

/**
 * Whether an address may be connected to. ipaddr.js names the range of every address; only `unicast` (the
 * public internet) passes by default. Everything else — loopback, private, link-local, unique-local, carrier NAT,
 * reserved and documentation ranges, and IPv6 forms that embed an IPv4 address (IPv4-mapped, NAT64, 6to4,
 * Teredo), which could smuggle a private one — is refused unless the policy allows private addresses. IPv6
 * must also lie in 2000::/3: ipaddr.js calls the rest of the space `unicast` too, IPv4-compatible ::127.0.0.1
 * included.
 */
export function isAllowedAddress(address: string, allowPrivate: boolean): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  // ::ffff:a.b.c.d is the IPv4 address itself to the operating system: judged as that, so that with private
  // addresses allowed ::ffff:0.0.0.0 is still "this host" and ::ffff:255.255.255.255 still broadcast.
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    return allowPrivate && !NEVER.has((parsed as ipaddr.IPv6).toIPv4Address().range());
  }
  const range = parsed.range();
  const isPublic = range === "unicast" && (parsed.kind() === "ipv4" || parsed.match(GLOBAL_UNICAST_V6));
  if (isPublic) return true;
  return allowPrivate && !NEVER.has(range);
}
