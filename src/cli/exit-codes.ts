/** The CLI's exit codes: documented in README (CLI) and in `imprint --help`; scripts rely on them. */
export const EXIT = {
  /** Everything asked for was done (verified, registered, found). */
  ok: 0,
  /** The answer is no: a bundle that does not verify, files the server refused. */
  notAll: 1,
  /** Bad usage or unreadable input, or a request the server refused as invalid (a wrong option, a wrong --server path). */
  usage: 2,
  /**
   * Nothing could be checked: the server, the RPC or a --trust URL could not be reached, the server answered something
   * that is not the API's JSON, or (verify) no RPC given serves the evidence's chain. Another try may settle it.
   */
  unreachable: 3,
  /** The server refused the key (401/403). */
  refusedKey: 4,
  /** verify: the chain confirms the bundle, but no trusted deployment vouches for who registered it. */
  chainOnly: 5,
} as const;

/** The exit code of a call the server refused: it could not be reached (or is not the API), it refused the key, or the input. */
export function exitForRefusal(status: number): number {
  if (status === 0) return EXIT.unreachable;
  if (status === 401 || status === 403) return EXIT.refusedKey;
  return EXIT.usage;
}
