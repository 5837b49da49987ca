/**
 * What a refusal means, in Chinese. The service's own messages are English (the API's clients read them, and its
 * codes are what they act on); a Chinese portal page shows this explanation of the code first and the service's
 * message, which may name a limit or a field, as the detail. A code without an entry is shown as the service said it.
 */
import type { ErrorCode } from "../../core/errors";
import type { Language } from "./messages";

const explanations = {
  invalid_request: "请求有误，请检查填写的内容。",
  bad_request: "请求有误，请检查填写的内容。",
  malformed_body: "提交的内容格式有误。",
  unsupported_media_type: "不支持该内容类型。",
  payload_too_large: "上传的内容过大。",
  not_found: "未找到该内容：它可能已被删除，或不属于您的组织。",
  unauthorized: "请先登录。",
  forbidden: "您的角色无权访问此页面。",
  last_owner: "组织至少需要保留一位所有者。",
  rate_limited: "操作过于频繁，请稍后重试。",
  overloaded: "服务繁忙，请稍后重试。",
  image_required: "请选择一张图片。",
  invalid_image: "无法识别该图片，请上传 JPEG、PNG 或 WebP 图片。",
  image_too_large: "图片文件过大。",
  image_too_many_pixels: "图片像素过多。",
  image_too_small: "图片尺寸过小。",
  image_undecodable: "图片无法解码，文件可能已损坏。",
  unsupported_image_format: "不支持该图片格式，请使用 JPEG、PNG 或 WebP。",
  invalid_url: "图片链接无效。",
  url_not_allowed: "不允许从该地址获取图片。",
  fetch_failed: "无法从该链接获取图片。",
  fetch_timeout: "获取图片超时。",
  fetch_too_large: "链接中的图片文件过大。",
  search_unavailable: "搜索暂不可用，请稍后重试。",
  index_loading: "搜索索引正在加载，请稍后重试。",
  chain_unavailable: "区块链暂时无法访问，请稍后重试。",
  signing_key_taken: "该签名密钥已被登记。",
  signature_invalid: "签名无效。",
  signature_expired: "签名已过期。",
  signature_replayed: "该签名已被使用过。",
  signer_not_registered: "该签名密钥未登记。",
  attachment_too_large: "附件过大（每个不超过 10 MB）。",
  attachment_not_pdf: "附件必须是 PDF 文件。",
  attachment_encrypted: "不接受加密的 PDF 附件。",
  attachment_has_javascript: "不接受包含 JavaScript 的 PDF 附件。",
  too_many_attachments: "附件过多（最多 5 个）。",
  own_listing: "不能投诉本组织自己的商品。",
  listing_delisted: "该商品已下架，无需再投诉。",
  complaint_open: "您对该商品的投诉仍在处理中，请勿重复投诉。",
  invalid_transition: "该投诉当前的状态不允许此操作。",
  appeal_window_closed: "申诉期限已过。",
  internal_error: "服务出现内部错误，请稍后重试。",
} satisfies Partial<Record<ErrorCode, string>>;

/** What a refusal's code means in the reader's language, when the service's own (English) words are not it. */
export function explainRefusal(language: Language, code: string | undefined): string | undefined {
  return language === "zh" && code !== undefined ? (explanations as Partial<Record<ErrorCode, string>>)[code as ErrorCode] : undefined;
}

/** The portal's own refusal of a page to a role says the same (messages.ts), so the page shows it once. */
export const FORBIDDEN_ZH = explanations.forbidden;
