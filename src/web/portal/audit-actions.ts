/**
 * The audit log records an action as its method and route pattern (`DELETE /v1/members/:id`): exact, stable, and
 * what an integrator greps for. An owner reading the log wants what was done. The portal shows this phrase first and
 * the recorded pattern beside it; the API and its `/team` form often do the same thing, so they share a phrase.
 */
import type { Language } from "./messages";

type Phrase = Record<Language, string>;

const phrases = {
  createOrganisation: { en: "Created an organisation", zh: "创建组织" },
  createReviewer: { en: "Created a reviewer", zh: "创建审核员" },
  anchor: { en: "Anchored pending registrations", zh: "锚定待上链的登记" },
  reanchor: { en: "Re-anchored earlier evidence", zh: "重新锚定既有证据" },
  registerOriginal: { en: "Registered an original", zh: "登记原图" },
  listProduct: { en: "Listed a product", zh: "上架商品" },
  delistProduct: { en: "Delisted a product", zh: "下架商品" },
  search: { en: "Searched for copies", zh: "搜索副本" },
  sealSearch: { en: "Sealed a search record", zh: "封存搜索记录" },
  updateAlert: { en: "Acknowledged or dismissed an alert", zh: "确认或忽略提醒" },
  fileComplaint: { en: "Filed a complaint", zh: "提交投诉" },
  appealComplaint: { en: "Appealed a complaint", zh: "对投诉提出申诉" },
  decideComplaint: { en: "Decided a complaint", zh: "裁定投诉" },
  withdrawComplaint: { en: "Withdrew a complaint", zh: "撤回投诉" },
  addMember: { en: "Added a member", zh: "添加成员" },
  changeRole: { en: "Changed a member's role", zh: "更改成员角色" },
  removeMember: { en: "Removed a member", zh: "移除成员" },
  createKey: { en: "Issued an API key", zh: "签发 API 密钥" },
  revokeKey: { en: "Revoked an API key", zh: "撤销 API 密钥" },
  signingChallenge: { en: "Asked for a signing-key challenge", zh: "申请签名密钥验证码" },
  addSigningKey: { en: "Registered a signing key", zh: "登记签名密钥" },
  revokeSigningKey: { en: "Revoked a signing key", zh: "撤销签名密钥" },
  changeSettings: { en: "Changed the organisation's settings", zh: "更改组织设置" },
  setWebhook: { en: "Set the webhook", zh: "设置 Webhook" },
  removeWebhook: { en: "Removed the webhook", zh: "删除 Webhook" },
  verify: { en: "Verified evidence", zh: "验证证据" },
  signIn: { en: "Signed in to the portal", zh: "登录门户" },
  signOut: { en: "Signed out of the portal", zh: "退出门户" },
} satisfies Record<string, Phrase>;

const ACTIONS: Record<string, keyof typeof phrases> = {
  "POST /v1/accounts": "createOrganisation",
  "POST /v1/admin/reviewers": "createReviewer",
  "POST /v1/admin/anchor": "anchor",
  "POST /v1/admin/reanchor": "reanchor",
  "POST /v1/originals": "registerOriginal",
  "POST /v1/listings": "listProduct",
  "POST /v1/listings/:id/delist": "delistProduct",
  "POST /v1/search": "search",
  "POST /search": "search",
  "POST /v1/searches/:id/seal": "sealSearch",
  "POST /searches/:id/seal": "sealSearch",
  "PATCH /v1/alerts/:id": "updateAlert",
  "POST /alerts/:id/status": "updateAlert",
  "POST /v1/complaints": "fileComplaint",
  "POST /complaints": "fileComplaint",
  "POST /v1/complaints/:id/appeal": "appealComplaint",
  "POST /complaints/:id/appeal": "appealComplaint",
  "POST /v1/complaints/:id/decision": "decideComplaint",
  "POST /complaints/:id/decision": "decideComplaint",
  "POST /v1/complaints/:id/withdraw": "withdrawComplaint",
  "POST /complaints/:id/withdraw": "withdrawComplaint",
  "POST /v1/members": "addMember",
  "POST /team/members": "addMember",
  "PATCH /v1/members/:id": "changeRole",
  "POST /team/members/:id/role": "changeRole",
  "DELETE /v1/members/:id": "removeMember",
  "POST /team/members/:id/remove": "removeMember",
  "POST /v1/keys": "createKey",
  "POST /team/keys": "createKey",
  "DELETE /v1/keys/:id": "revokeKey",
  "POST /team/keys/:id/revoke": "revokeKey",
  "POST /v1/signing-keys/challenge": "signingChallenge",
  "POST /v1/signing-keys": "addSigningKey",
  "DELETE /v1/signing-keys/:address": "revokeSigningKey",
  "PATCH /v1/settings": "changeSettings",
  "PUT /v1/webhook": "setWebhook",
  "DELETE /v1/webhook": "removeWebhook",
  "POST /v1/verify": "verify",
  "POST /sign-in": "signIn",
  "POST /sign-out": "signOut",
};

/** What a recorded action did, in the page's language; undefined for a pattern this table does not know. */
export function auditActionPhrase(language: Language, action: string): string | undefined {
  const key = ACTIONS[action];
  return key === undefined ? undefined : phrases[key][language];
}
