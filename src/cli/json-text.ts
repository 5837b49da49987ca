/** Parses JSON as editors save it: a leading UTF-8 byte order mark (Notepad writes one) is not part of the JSON. */
export function parseJsonText(text: string): unknown {
  return JSON.parse(stripBom(text));
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
