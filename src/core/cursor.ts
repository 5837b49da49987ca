/**
 * Keyset pagination: a cursor is the last item's (time in ms, id), base64url-encoded. It is stable under concurrent
 * inserts, unlike an offset. `idPattern` is the id format of the listing the cursor belongs to.
 */
export interface KeysetCursor {
  ms: number;
  id: string;
}

export function encodeKeysetCursor(c: KeysetCursor): string {
  return Buffer.from(`${c.ms}:${c.id}`).toString("base64url");
}

export function decodeKeysetCursor(s: string, idPattern: RegExp): KeysetCursor | null {
  const m = /^(\d{1,16}):(.{1,100})$/.exec(Buffer.from(s, "base64url").toString("utf8"));
  return m && idPattern.test(m[2]) ? { ms: Number(m[1]), id: m[2] } : null;
}
