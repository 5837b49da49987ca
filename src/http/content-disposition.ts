/**
 * A Content-Disposition header for a file name of any script (RFC 6266): `filename` in ASCII for old clients, and
 * `filename*` in UTF-8 (RFC 8187), which browsers prefer, so that 授权书.pdf downloads as 授权书.pdf, not ___.pdf.
 */
export function contentDisposition(kind: "inline" | "attachment", fileName: string): string {
  // Quotes, backslashes and control characters can never reach the header: only these characters pass as they are.
  const ascii = fileName.replace(/[^\w.\- ]/g, "_");
  // RFC 8187's attr-char: encodeURIComponent leaves ' ( ) * as they are, which it does not allow.
  const utf8 = encodeURIComponent(fileName).replace(/['()*]/g, (ch) => "%" + ch.charCodeAt(0).toString(16).toUpperCase());
  return ascii === fileName ? `${kind}; filename="${ascii}"` : `${kind}; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}
