/**
 * The verdict in Simplified Chinese, for the verifier page. The core's sentences stay English: the CLI and the API
 * share them, and evidence records quote them. So the page does not translate them; it says in Chinese what each
 * check and finding means, built from the verdict's own values (never by parsing the English), and shows the
 * core's English beneath, which carries every value exactly.
 */
import type { BundleAnchor, EvidenceBundle } from "../../core/bundle";
import { hammingBytes } from "../../core/hamming";
import { fromHex } from "../../core/hex";
import { searchReceiptSchema, type SearchReceipt } from "../../core/search-receipt";
import { isoOfSeconds } from "../../core/time";
import { PDQ_MATCH_DISTANCE, type Check, type Findings, type Verdict } from "../../core/verify";
import { isSearchReceipt } from "../../verifier/verify-receipt";

/** A check in Chinese: its name, and what it means when it holds and when it fails. `{act}` is 登记 or 搜索. */
interface CheckWords {
  label: string;
  ok: string;
  fail: string;
}

/** The chain's checks of one anchor: the core runs them for the evidence's own anchor and, prefixed, for its root of roots. */
const ANCHOR_CHECKS: Record<string, CheckWords> = {
  chain: {
    label: "区块链",
    ok: "此 RPC 所在的链正是证据所指的链",
    // Named "chain" both when the RPC serves another chain and when no chain answered at all.
    fail: "无法从此 RPC 读取证据所指的链（没有应答，或属于另一条链）",
  },
  transaction: { label: "锚定交易", ok: "锚定交易已在证据所指的区块中成功执行", fail: "链上没有这笔成功的锚定交易，或其区块与证据不符" },
  event: { label: "锚定事件", ok: "交易回执含有该合约发出的 Anchored（根哈希）事件", fail: "交易回执中没有该合约发出的 Anchored（根哈希）事件" },
  "block-time": { label: "区块时间", ok: "区块时间与证据一致", fail: "区块时间与证据不一致" },
  "anchored-at": { label: "合约记录", ok: "合约记录的锚定时间与区块时间一致", fail: "合约没有记录此根哈希，或记录的时间不符" },
};

/** Every check name the core can emit (test/verify-page.test.ts compares this list with the core's source). */
export const CHECKS_ZH: Readonly<Record<string, CheckWords>> = {
  format: { label: "格式", ok: "证据格式有效", fail: "证据格式无效：字段缺失或不合规" },
  digest: { label: "记录摘要", ok: "搜索记录的 SHA-256 与摘要一致", fail: "搜索记录与摘要不一致：记录已被改动" },
  leaf: { label: "叶子哈希", ok: "叶子哈希与{act}内容一致", fail: "叶子哈希与{act}内容不一致：内容已被改动" },
  id: { label: "登记编号", ok: "登记编号由叶子哈希导出，两者一致", fail: "登记编号与叶子哈希不符" },
  merkle: { label: "默克尔证明", ok: "默克尔证明把叶子哈希归入根哈希", fail: "默克尔证明不能把叶子哈希归入根哈希" },
  order: { label: "时间顺序", ok: "{act}时间不晚于锚定区块的时间", fail: "{act}时间晚于锚定区块的时间" },
  signature: { label: "签名", ok: "所声明的密钥对这些登记内容作了签名（EIP-712）", fail: "签名不是所声明的密钥对这些内容作出的" },
  "signature-time": { label: "签名时间", ok: "签名时间与登记时间相符", fail: "签名时间与登记时间不符" },
  "reanchor-merkle": { label: "再锚定证明", ok: "根哈希及其锚定信息归入再锚定的根之根", fail: "根哈希及其锚定信息不能归入再锚定的根之根" },
  "reanchor-order": { label: "再锚定顺序", ok: "先锚定，后再锚定", fail: "再锚定早于原锚定" },
  ...ANCHOR_CHECKS,
  ...Object.fromEntries(
    Object.entries(ANCHOR_CHECKS).map(([name, w]) => [
      `reanchor-${name}`,
      { label: `再锚定·${w.label}`, ok: `根之根：${w.ok}`, fail: `根之根：${w.fail}` },
    ]),
  ),
  "anchor-path": { label: "锚定路径", ok: "证据的锚定已由其所在的链确认", fail: "没有任何锚定路径得到链的确认" },
  deployment: { label: "部署", ok: "锚定它的合约属于受信任的部署", fail: "锚定它的合约不属于受信任的部署，或锚定者、使用期不符" },
  image: { label: "图片", ok: "图片与证据相符", fail: "未能证明此图片与证据相符" },
};

/** A presented image's fingerprint, as the page computed it for the core. */
export interface SeenImage {
  sha256: string;
  pdq: string;
}

export interface VerdictZh {
  /** Each check of the verdict, in its order: its Chinese name (undefined for a name this page does not know) and meaning. */
  checks: { label?: string; meaning?: string }[];
  /** The Chinese line of each finding the verdict has. */
  findings?: Findings;
  /** The Chinese of the verdict's statement (when every check holds). */
  statement?: string;
}

type Subject = { kind: "bundle"; bundle: EvidenceBundle } | { kind: "receipt"; receipt: SearchReceipt };

/** `evidence` is what was verified (the verdict carries a bundle, but not a receipt); `image`, the presented image's fingerprint. */
export function verdictZh(verdict: Verdict, evidence: unknown, image?: SeenImage): VerdictZh {
  const subject = subjectOf(verdict, evidence);
  const act = isSearchReceipt(evidence) ? "搜索" : "登记";
  const checks = verdict.checks.map((check) => {
    const words = CHECKS_ZH[check.name];
    const meaning = check.name === "image" && image && subject ? imageMeaning(check, image, subject) : words && (check.ok ? words.ok : words.fail);
    return { label: words?.label, meaning: meaning?.replaceAll("{act}", act) };
  });
  if (!verdict.findings || !subject) return { checks };
  return { checks, ...(subject.kind === "bundle" ? bundleSentences(verdict, subject.bundle) : receiptSentences(verdict, subject.receipt)) };
}

function subjectOf(verdict: Verdict, evidence: unknown): Subject | undefined {
  if (verdict.bundle) return { kind: "bundle", bundle: verdict.bundle };
  const receipt = searchReceiptSchema.safeParse(evidence);
  return receipt.success ? { kind: "receipt", receipt: receipt.data } : undefined;
}

/** The image check from the fingerprints themselves: whose bytes, how far its PDQ, and in Chinese the way to settle a doubt. */
function imageMeaning(check: Check, image: SeenImage, subject: Subject): string {
  const expected = subject.kind === "bundle" ? subject.bundle.registration : subject.receipt.record.query;
  const whose = subject.kind === "bundle" ? "登记的图片" : "所搜索的查询图片";
  if (image.sha256 === expected.sha256) return `此图片与${whose}字节完全相同`;
  const distance = `PDQ 距离 ${hammingBytes(fromHex(image.pdq), fromHex(expected.pdq))}/256（不超过 ${PDQ_MATCH_DISTANCE} 即为同一画面）`;
  return check.ok
    ? `不是${whose}的原始字节，但是视觉上相似的副本：${distance}`
    : `此图片与${whose}不同：SHA-256 不同，${distance}。裁剪或旋转过的副本仍可能是同一张照片，PDQ 无法判断：请在 Imprint 门户的“搜索”中用此图片搜索，与原图比对`;
}

/** `2026-11-27 12:00:00 UTC`: readable; the exact instant is in the English beneath. */
function utc(time: number | string): string {
  const iso = typeof time === "number" ? isoOfSeconds(time) : time;
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** A 32-byte hash shortened for a Chinese line; the English beneath carries it whole. */
const short = (hash: string) => `${hash.slice(0, 10)}…${hash.slice(-6)}`;

const atBlock = (a: BundleAnchor) => `${utc(a.blockTimestamp)}（链 ${a.chainId} 第 ${a.blockNumber} 号区块）`;

/** What the chain proves and what only a deployment vouches for, alike for bundles and receipts (cf. the core's `settle`). */
function anchoring(verdict: Verdict, subject: EvidenceBundle | SearchReceipt) {
  const used = verdict.path === "reanchor" ? subject.reanchor!.anchor : subject.anchor;
  return {
    existed: `最迟于 ${atBlock(used)}已存在`,
    anchoredBy: `由合约 ${used.contract} 锚定${verdict.path === "reanchor" ? `，经根之根 ${short(subject.reanchor!.root)} 再锚定` : ""}`,
    firstAnchored: verdict.path === "reanchor" ? `，并担保它最初于 ${atBlock(subject.anchor)}锚定` : "",
    local: verdict.findings?.local ? `链 ${used.chainId} 是本地开发链：运行者可以随意设定区块时间，因此对第三方不构成任何证明。` : undefined,
  };
}

const notVouched = (who: string) => `没有受信任的部署：无人担保${who}（请加载部署文件，或填写您信任的合约）。`;

function withLocal(findings: Omit<Findings, "local">, statement: string, local: string | undefined): Pick<VerdictZh, "findings" | "statement"> {
  return { findings: { ...findings, ...(local ? { local } : {}) }, statement: local ? `${statement}${local}` : statement };
}

function bundleSentences(verdict: Verdict, bundle: EvidenceBundle): Pick<VerdictZh, "findings" | "statement"> {
  const r = bundle.registration;
  const a = anchoring(verdict, bundle);
  const signed = bundle.format === "imprint.evidence.v2" ? bundle.registration : undefined;
  const signature = signed
    ? `由密钥 ${signed.signer} 于 ${utc(signed.signedAt)} 签名，签名覆盖图片的哈希和商品编号 ${JSON.stringify(signed.productId)}` +
      (verdict.trusted ? `（据受信任的部署，这是组织 ${r.accountId} 的密钥）。` : "（此密钥属于哪个组织，只有受信任的部署才能担保）。")
    : "未经所有者的密钥签名。";
  return withLocal(
    {
      chain: `图片（SHA-256 ${short(r.sha256)}）${a.existed}，${a.anchoredBy}。`,
      deployment: verdict.trusted ? `受信任的部署担保：账户 ${r.accountId} 于 ${utc(r.registeredAt)} 登记了此图片${a.firstAnchored}。` : notVouched("谁登记了此图片"),
      signature,
    },
    `账户 ${r.accountId} 登记了此图片（SHA-256 ${short(r.sha256)}）${signed ? `，并由其密钥 ${signed.signer} 签名` : ""}；它${a.existed}。`,
    a.local,
  );
}

function receiptSentences(verdict: Verdict, receipt: SearchReceipt): Pick<VerdictZh, "findings" | "statement"> {
  const r = receipt.record;
  const a = anchoring(verdict, receipt);
  const who = `组织 ${r.searchedBy.organisationId}（成员 ${r.searchedBy.memberId}）`;
  const search = `用图片（SHA-256 ${short(r.query.sha256)}）进行的搜索（范围 ${r.params.scope}，阈值 ${r.params.threshold}）得到 ${r.hits.length} 条结果`;
  return withLocal(
    {
      chain: `搜索记录${a.existed}，${a.anchoredBy}：${search}，与记录完全一致。`,
      deployment: verdict.trusted ? `受信任的部署担保：${who}于 ${utc(r.searchedAt)} 进行了这次搜索，得到的正是这些结果${a.firstAnchored}。` : notVouched("谁进行了这次搜索"),
      signature: "搜索回执不带所有者的签名：它是服务对一次搜索的记录。",
    },
    `${who}于 ${utc(r.searchedAt)} ${search}；此记录${a.existed}。`,
    a.local,
  );
}
