/** The verifier page's words in English and Simplified Chinese (the languages of the sellers this is for). */
export const MESSAGES = {
  en: {
    title: "Verify evidence",
    intro:
      "Drop an Imprint evidence bundle (JSON). This page checks it here, in your browser: it reads your files locally and asks only the chain RPC below. It sends nothing to the Imprint server.",
    bundle: "Evidence bundle (.json)",
    image: "Image (optional): the registered file or a copy of it",
    rpc: "RPC of the bundle's chain",
    rpcHint: "Any Ethereum JSON-RPC endpoint of the chain the bundle names. Use one you trust.",
    verify: "Verify",
    checking: "Checking…",
    verified: "VERIFIED",
    notVerified: "NOT VERIFIED",
    bundleOkImageNot: "The evidence holds, but not for this image",
    noBundle: "Choose a bundle file first.",
    notJson: "This file is not JSON.",
    language: "中文",
  },
  zh: {
    title: "核验证据",
    intro: "拖入 Imprint 证据包（JSON）。本页面在您的浏览器中完成核验：文件只在本地读取，只向下方的区块链 RPC 查询，不向 Imprint 服务器发送任何内容。",
    bundle: "证据包（.json）",
    image: "图片（可选）：登记的原图或其副本",
    rpc: "证据包所在链的 RPC",
    rpcHint: "证据包所指链的任意以太坊 JSON-RPC 节点。请使用您信任的节点。",
    verify: "核验",
    checking: "正在核验…",
    verified: "核验通过",
    notVerified: "核验未通过",
    bundleOkImageNot: "证据有效，但与此图片不符",
    noBundle: "请先选择证据包文件。",
    notJson: "该文件不是 JSON。",
    language: "English",
  },
} as const;

export type Language = keyof typeof MESSAGES;
export type Messages = (typeof MESSAGES)[Language];
