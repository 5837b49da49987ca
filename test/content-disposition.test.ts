import { describe, expect, it } from "vitest";
import { contentDisposition } from "../src/http/content-disposition";

/** The name a browser saves under: filename* (RFC 8187) when present, else filename. */
function savedName(header: string): string {
  const extended = /filename\*=UTF-8''([^;]+)/.exec(header);
  return extended ? decodeURIComponent(extended[1]) : /filename="([^"]*)"/.exec(header)![1];
}

describe("Content-Disposition of downloads", () => {
  it("keeps a Chinese file name, with an ASCII fallback for old clients", () => {
    const header = contentDisposition("attachment", "授权书 (2).pdf");
    expect(header).toBe(`attachment; filename="___ _2_.pdf"; filename*=UTF-8''%E6%8E%88%E6%9D%83%E4%B9%A6%20%282%29.pdf`);
    expect(savedName(header)).toBe("授权书 (2).pdf");
  });

  it("leaves a plain name as it is", () => {
    expect(contentDisposition("inline", "certificate-reg_0123.pdf")).toBe('inline; filename="certificate-reg_0123.pdf"');
  });

  it("never lets a name break out of the header", () => {
    const header = contentDisposition("attachment", 'a"; filename="evil.exe\r\nSet-Cookie: x=1');
    expect(header).not.toMatch(/[\r\n]/);
    expect(header.split(";").filter((part) => part.trim().startsWith('filename="'))).toHaveLength(1);
    expect(savedName(header)).toBe('a"; filename="evil.exe\r\nSet-Cookie: x=1');
  });
});
