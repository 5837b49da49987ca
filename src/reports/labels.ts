/** Every label a report prints, in English and Simplified Chinese. */
export interface Label {
  en: string;
  zh: string;
}

const label = (en: string, zh: string): Label => ({ en, zh });

export const LABELS = {
  certificateTitle: label("Certificate of registration", "图片登记证书"),
  complaintTitle: label("Copyright complaint: evidence report", "版权投诉证据报告"),
  image: label("Registered image", "登记图片"),
  registration: label("Registration", "登记信息"),
  registrationId: label("Registration id", "登记编号"),
  sha256: label("SHA-256 of the file", "文件 SHA-256 哈希"),
  pdq: label("PDQ perceptual hash", "PDQ 感知哈希"),
  phash: label("pHash (64-bit DCT)", "pHash 感知哈希"),
  registeredAt: label("Registered at (UTC)", "登记时间（UTC）"),
  organisation: label("Organisation", "机构"),
  accountId: label("Account id", "账户编号"),
  productId: label("Product id", "商品编号"),
  title: label("Title", "标题"),
  category: label("Category", "类目"),
  storeCountry: label("Store country", "店铺国家/地区"),
  anchor: label("Blockchain anchor", "区块链锚定"),
  chainId: label("Chain id", "链 ID"),
  contract: label("Contract", "合约地址"),
  transaction: label("Transaction", "交易哈希"),
  blockNumber: label("Block number", "区块高度"),
  blockTime: label("Block time (UTC)", "区块时间（UTC）"),
  blockDelay: label("Block time − registered at", "区块时间与登记时间之差"),
  merkle: label("Merkle proof", "默克尔证明"),
  leaf: label("Leaf", "叶节点"),
  root: label("Merkle root", "默克尔根"),
  proof: label("Proof steps", "证明路径"),
  howToVerify: label("How to verify this certificate yourself", "如何自行验证本证书"),
  verifierPage: label("Verifier page", "验证页面"),
  attachedBundle: label("Attached evidence bundle", "附件：证据包"),
  complaint: label("Complaint", "投诉"),
  complaintId: label("Complaint id", "投诉编号"),
  status: label("Status", "状态"),
  filedAt: label("Filed at (UTC)", "提交时间（UTC）"),
  complainant: label("Complainant", "投诉方"),
  respondent: label("Respondent", "被投诉方（商品所属机构）"),
  statement: label("Statement", "陈述"),
  listing: label("The listing (suspected copy)", "被投诉商品（疑似复制）"),
  listingId: label("Listing id", "商品链接编号"),
  storeId: label("Store id", "店铺编号"),
  listedAt: label("Listed at (UTC)", "上架时间（UTC）"),
  delistedAt: label("Delisted at (UTC)", "下架时间（UTC）"),
  sourceUrl: label("Image URL", "图片地址"),
  originalVsCopy: label("Original and copy", "原图与复制图"),
  original: label("Registered original", "登记原图"),
  copy: label("Listing image", "商品图片"),
  matchPicture: label("Match picture", "匹配图"),
  similarity: label("Similarity", "相似度"),
  meaning: label("What it means", "含义"),
  inliers: label("Matched keypoints", "匹配特征点（RANSAC 内点）"),
  pdqDistance: label("PDQ distance", "PDQ 距离"),
  evidenceState: label("Evidence state", "存证状态"),
  appeal: label("Appeal", "申诉"),
  priority: label("Priority (chain time)", "优先权（链上时间）"),
  appellantEarliest: label("Appellant's first anchor", "申诉方最早锚定时间"),
  complainantEarliest: label("Complainant's first anchor", "投诉方最早锚定时间"),
  timeline: label("Timeline", "时间线"),
  attachments: label("Attachments", "附件"),
  bundles: label("Evidence bundles (attached)", "证据包（已附）"),
  generatedAt: label("Report generated at (UTC)", "报告生成时间（UTC）"),
  page: label("Page", "页"),
} as const;

/** The complaint states in both languages; a state this table does not know is printed as it is. */
const STATES: Record<string, Label> = {
  submitted: label("submitted", "已提交"),
  appealed: label("appealed", "已申诉"),
  upheld: label("upheld", "投诉成立"),
  rejected: label("rejected", "已驳回"),
  withdrawn: label("withdrawn", "已撤回"),
};

export function stateLabel(state: string): string {
  const known = STATES[state];
  return known ? `${known.en} / ${known.zh}` : state;
}
