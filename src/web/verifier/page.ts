/**
 * The in-browser verifier (/verify): trusts no server. Everything runs here: the bundle's format, leaf, id and
 * Merkle proof (src/core), the chain facts read straight from an RPC the person chooses (src/chain over the
 * browser's fetch), and the image's SHA-256 and PDQ. The page makes no request to the Imprint server once loaded,
 * and works the same saved to disk and opened from a file.
 */
import { chainFactsReader } from "../../chain/chain-facts";
import { createProvider } from "../../chain/provider";
import type { Verdict } from "../../core/verify";
import { verifyEvidence } from "../../verifier/verify-evidence";
import { browserFingerprint } from "./browser-fingerprint";
import { MESSAGES, type Language } from "./messages";

/** RPCs a person can reach without configuration; any other chain's RPC is theirs to type. */
const KNOWN_RPCS: Record<number, string> = { 31337: "http://127.0.0.1:8545" };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let language: Language = new URLSearchParams(location.search).get("lang") === "zh" || navigator.language.startsWith("zh") ? "zh" : "en";

function render() {
  const m = MESSAGES[language];
  document.documentElement.lang = language === "zh" ? "zh-CN" : "en";
  for (const element of document.querySelectorAll<HTMLElement>("[data-text]")) {
    element.textContent = m[element.dataset.text as keyof typeof m];
  }
}

async function readBundle(): Promise<unknown> {
  const file = $<HTMLInputElement>("bundle").files?.[0];
  if (!file) throw new Error(MESSAGES[language].noBundle);
  try {
    return JSON.parse(await file.text());
  } catch {
    throw new Error(MESSAGES[language].notJson);
  }
}

function showVerdict(verdict: Verdict) {
  const m = MESSAGES[language];
  const list = $("checks");
  list.replaceChildren(
    ...verdict.checks.map((check) => {
      const item = document.createElement("li");
      item.className = check.ok ? "ok" : "fail";
      item.dataset.check = check.name;
      const mark = document.createElement("span");
      mark.className = "mark";
      mark.textContent = check.ok ? "✓" : "✗";
      const name = document.createElement("strong");
      name.textContent = check.name;
      const detail = document.createElement("span");
      detail.textContent = check.detail;
      item.append(mark, name, detail);
      return item;
    }),
  );
  const bundleOk = verdict.checks.every((c) => c.ok || c.name === "image");
  const result = $("result");
  result.className = verdict.ok ? "ok" : "fail";
  result.textContent = verdict.ok ? `${m.verified}: ${verdict.statement}` : bundleOk ? m.bundleOkImageNot : m.notVerified;
}

async function verify() {
  const m = MESSAGES[language];
  const result = $("result");
  result.className = "";
  result.textContent = m.checking;
  $("checks").replaceChildren();
  try {
    const bundle = await readBundle();
    const rpc = $<HTMLInputElement>("rpc").value.trim();
    const provider = createProvider(rpc);
    const imageFile = $<HTMLInputElement>("image").files?.[0];
    try {
      const verdict = await verifyEvidence(bundle, {
        readChainFacts: chainFactsReader(provider),
        image: imageFile ? new Uint8Array(await imageFile.arrayBuffer()) : undefined,
        fingerprint: browserFingerprint,
      });
      showVerdict(verdict);
    } finally {
      provider.destroy();
    }
  } catch (error) {
    result.className = "fail";
    result.textContent = error instanceof Error ? error.message : String(error);
  }
}

/** Prefills the RPC from the chain the chosen bundle names, unless the person typed one. */
async function prefillRpc() {
  const rpc = $<HTMLInputElement>("rpc");
  if (rpc.dataset.typed) return;
  try {
    const bundle = (await readBundle()) as { anchor?: { chainId?: number } };
    rpc.value = KNOWN_RPCS[bundle.anchor?.chainId ?? -1] ?? "";
  } catch {
    // not a bundle: the verification will say so
  }
}

function dropInto(zone: HTMLElement, input: HTMLInputElement) {
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    if (event.dataTransfer?.files.length) {
      input.files = event.dataTransfer.files;
      input.dispatchEvent(new Event("change"));
    }
  });
}

render();
dropInto($("bundle-zone"), $<HTMLInputElement>("bundle"));
dropInto($("image-zone"), $<HTMLInputElement>("image"));
$("bundle").addEventListener("change", () => void prefillRpc());
$("rpc").addEventListener("input", () => ($<HTMLInputElement>("rpc").dataset.typed = "1"));
$("verify").addEventListener("click", () => void verify());
$("language").addEventListener("click", () => {
  language = language === "en" ? "zh" : "en";
  render();
});
