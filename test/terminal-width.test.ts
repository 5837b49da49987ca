import { describe, expect, it } from "vitest";
import { progressReporter } from "../src/cli/progress";
import { displayWidth, padEndToWidth, tailWithinWidth } from "../src/cli/terminal-width";

describe("terminal columns", () => {
  it("counts a CJK character as two columns, a combining mark as none", () => {
    expect(displayWidth("bag-01.jpg")).toBe(10);
    expect(displayWidth("真皮手提包")).toBe(10);
    expect(displayWidth("ＳＫＵ１")).toBe(8); // fullwidth forms
    expect(displayWidth("é")).toBe(1); // e + combining acute
    expect(displayWidth("𠀋")).toBe(2); // beyond the BMP (a surrogate pair)
  });

  it("pads to a width in columns", () => {
    expect(padEndToWidth("手提包", 8)).toBe("手提包  ");
    expect(padEndToWidth("bag", 8)).toBe("bag     ");
    expect(padEndToWidth("真皮手提包", 4)).toBe("真皮手提包");
  });

  it("keeps the end of a name that fits, without splitting a character", () => {
    expect(tailWithinWidth("产品图片/真皮手提包.jpg", 10)).toBe("手提包.jpg");
    expect(tailWithinWidth("产品图片/真皮手提包.jpg", 9)).toBe("提包.jpg");
    expect(tailWithinWidth("a𠀋b", 2)).toBe("b");
    expect(tailWithinWidth("a𠀋b", 3)).toBe("𠀋b");
  });
});

describe("the CLI's progress line", () => {
  it("stays as wide on a terminal whatever script the file names are in", () => {
    const lines: string[] = [];
    const terminal = { isTTY: true, write: (text: string) => lines.push(text) } as unknown as NodeJS.WriteStream;
    const progress = progressReporter(3, terminal);
    progress.done("photos/bag-01.jpg", "registered");
    progress.done("照片/真皮手提包-正面-白底-高清-二零二六年新款.jpg", "registered");
    progress.done("照片/钱包.webp", "duplicate");
    const bars = lines.filter((l) => l.startsWith("\r")).map((l) => l.slice(1));
    expect(bars).toHaveLength(3);
    expect(new Set(bars.map(displayWidth)).size).toBe(1);
    expect(bars[1]).toContain("二零二六年新款.jpg");
  });
});
