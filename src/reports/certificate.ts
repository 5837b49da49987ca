/**
 * The certificate of a registration: a PDF a person can read, carrying the machine-checkable evidence bundle
 * as an attachment (`evidence-<id>.json`) so the paper and the proof travel together.
 */
import type { EvidenceBundle } from "../core/bundle";
import { PDQ_MATCH_DISTANCE } from "../core/verify";
import { attachBundle, bundleFileName } from "./bundle-file";
import { LABELS } from "./labels";
import { COLOURS, ReportWriter } from "./writer";
import { utc, timeBetween } from "./time";

export interface CertificateInput {
  bundle: EvidenceBundle;
  /** The registered picture as stored (Imprint keeps a 256 px thumbnail, not the uploaded bytes). */
  image: Buffer;
  organisation: { id: string; name: string };
  productId: string;
  title?: string | null;
  category: string;
  storeCountry: string;
  /** Where a person can check the bundle in a browser; printed and encoded in the QR code. */
  verifierUrl: string;
  generatedAt: Date;
}

// Re-exported: the certificate's attachment is named here (src/web/verifier/pdf-evidence.ts points to it).
export { bundleFileName } from "./bundle-file";
export const certificateFileName = (registrationId: string) => `certificate-${registrationId}.pdf`;

/** Builds the certificate PDF. */
export async function buildCertificate(input: CertificateInput): Promise<Uint8Array> {
  const { bundle } = input;
  const r = bundle.registration;
  const a = bundle.anchor;
  const blockTime = new Date(a.blockTimestamp * 1000);
  const w = await ReportWriter.create({ title: `Imprint certificate ${r.id}`, subject: `Registration ${r.id}`, createdAt: input.generatedAt });

  await w.title(LABELS.certificateTitle, `Imprint · ${r.id} · ${LABELS.generatedAt.en} / ${LABELS.generatedAt.zh}: ${utc(input.generatedAt)}`);

  // The picture on the left, the QR code of the verifier page on the right.
  const top = w.cursor;
  const pictureHeight = await w.picture(input.image, w.left, top, 190, `${LABELS.image.en} / ${LABELS.image.zh}`);
  const qrSide = 110;
  const qrX = w.left + w.contentWidth - qrSide;
  w.qr(input.verifierUrl, qrX, top, qrSide);
  await w.caption(`${LABELS.verifierPage.en} / ${LABELS.verifierPage.zh}`, qrX, top - qrSide - 2);
  w.gap(Math.max(pictureHeight, qrSide + 12) + 4);

  await w.section(LABELS.registration);
  await w.field(LABELS.registrationId, r.id, { mono: true });
  await w.field(LABELS.sha256, r.sha256, { mono: true });
  await w.field(LABELS.pdq, r.pdq, { mono: true });
  await w.field(LABELS.phash, r.phash, { mono: true });
  await w.field(LABELS.registeredAt, utc(new Date(r.registeredAt)));
  await w.field(LABELS.organisation, input.organisation.name);
  await w.field(LABELS.accountId, r.accountId, { mono: true });
  await w.field(LABELS.productId, input.productId);
  if (input.title) await w.field(LABELS.title, input.title);
  await w.field(LABELS.category, `${input.category} · ${input.storeCountry}`);

  await w.section(LABELS.anchor);
  await w.field(LABELS.chainId, String(a.chainId));
  await w.field(LABELS.contract, a.contract, { mono: true });
  await w.field(LABELS.transaction, a.txHash, { mono: true });
  await w.field(LABELS.blockNumber, String(a.blockNumber));
  await w.field(LABELS.blockTime, utc(blockTime));
  await w.field(
    LABELS.blockDelay,
    `${timeBetween(new Date(r.registeredAt), blockTime)} — the chain bounds the registration time from above / 区块时间是登记时间的上限`,
  );

  await w.section(LABELS.merkle);
  await w.field(LABELS.leaf, bundle.leaf, { mono: true });
  await w.field(LABELS.root, bundle.merkle.root, { mono: true });
  await w.field(
    LABELS.proof,
    bundle.merkle.proof.length ? bundle.merkle.proof.map((p, i) => `${i + 1}. ${p}`).join("\n") : "(none: the batch held this leaf only, root = leaf)",
    { mono: true, size: 8 },
  );

  await w.section(LABELS.howToVerify);
  for (const step of verificationSteps(input)) {
    await w.text(step.en, { size: 8.5 });
    await w.text(step.zh, { size: 8, colour: COLOURS.MUTED });
    w.gap(3);
  }

  const name = bundleFileName(r.id);
  await w.section(LABELS.attachedBundle);
  await w.text(`${name} — ${LABELS.attachedBundle.en} / ${LABELS.attachedBundle.zh}`, { size: 8.5 });
  await attachBundle(w, bundle, input.generatedAt);
  return w.save(`Imprint certificate ${r.id}`);
}

/** The README's verification recipe, in plain words, with this bundle's values filled in. */
function verificationSteps(input: CertificateInput): { en: string; zh: string }[] {
  const { bundle } = input;
  const r = bundle.registration;
  const a = bundle.anchor;
  const file = bundleFileName(r.id);
  return [
    {
      en: `1. Save the attached file ${file} (your PDF reader's attachments panel, or: pdfdetach -saveall certificate.pdf).`,
      zh: `1. 保存附件 ${file}（在 PDF 阅读器的附件面板中，或使用 pdfdetach -saveall certificate.pdf）。`,
    },
    {
      en: `2. Check it on the verifier page ${input.verifierUrl}, or offline with the open-source verifier: npx imprint verify ${file} --rpc <any RPC of chain ${a.chainId}>. Neither needs to trust Imprint's server.`,
      zh: `2. 在验证页面 ${input.verifierUrl} 检查，或使用开源验证工具离线检查：npx imprint verify ${file} --rpc <链 ${a.chainId} 的任意 RPC>。两者都无需信任 Imprint 的服务器。`,
    },
    {
      en: "3. The verifier recomputes the leaf from the file's hash, perceptual hashes, account and registration time, folds it with the proof steps into the Merkle root, and reads the chain: the transaction must have stored that root in the contract, in the block and at the block time printed here.",
      zh: "3. 验证工具根据文件哈希、感知哈希、账户和登记时间重新计算叶节点，用证明路径逐步合并得到默克尔根，再读取区块链：该交易必须已在本证书所列的区块和区块时间把这个根写入合约。",
    },
    {
      en: `4. To compare a picture: the same SHA-256 means the exact registered file; otherwise a PDQ distance of at most ${PDQ_MATCH_DISTANCE} of 256 bits means a visually identical copy (re-saved, resized). Cropped or rotated copies are found by Imprint's search.`,
      zh: `4. 比对图片：SHA-256 相同即为登记的原文件；否则 PDQ 距离不超过 ${PDQ_MATCH_DISTANCE}/256 位即为视觉相同的副本（重新保存、缩放）。裁剪或旋转的副本可通过 Imprint 搜索找到。`,
    },
    {
      en: `5. If every check passes, the evidence proves that the image with this SHA-256 and PDQ was registered by account ${r.accountId} and existed no later than ${utc(new Date(a.blockTimestamp * 1000))}.`,
      zh: `5. 若全部检查通过，即证明具有上述 SHA-256 与 PDQ 的图片由账户 ${r.accountId} 登记，且不晚于 ${utc(new Date(a.blockTimestamp * 1000))} 已存在。`,
    },
  ];
}
