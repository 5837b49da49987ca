/**
 * The in-browser verifier (/verify): trusts no server. Everything runs here: the evidence's format, leaf, id and
 * Merkle proof (src/core), the chain facts read straight from an RPC the person chooses (src/chain over the
 * browser's fetch), the deployment judged against whom the person chooses to trust, and the image's SHA-256 and
 * PDQ. A certificate PDF is opened here too, for its attached bundle. The page makes no request to the Imprint
 * server once loaded, and works the same saved to disk and opened from a file.
 */
import { getAddress } from "ethers";
import { chainFactsReader } from "../../chain/chain-facts";
import { createProvider } from "../../chain/provider";
import { isLocalDeployment, parseDeploymentsFile, type Deployment } from "../../core/deployments";
import { chainUnread, type Findings, type Verdict } from "../../core/verify";
import type { Trust } from "../../verifier/options";
import { verifyEvidence } from "../../verifier/verify-evidence";
import { browserFingerprint } from "./browser-fingerprint";
import { MESSAGES, type Language, type Messages } from "./messages";
import { evidenceFilesOfPdf, isPdf, type AttachedFile } from "./pdf-evidence";
import { verdictZh, type SeenImage } from "./verdict-zh";

/** RPCs a person can reach without configuration, after the served one; any other chain's RPC is theirs to type. */
const KNOWN_RPCS: Record<number, string> = { 31337: "http://127.0.0.1:8545" };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const asked = new URLSearchParams(location.search).get("lang");
let language: Language = asked === "zh" || asked === "en" ? asked : navigator.language.startsWith("zh") ? "zh" : "en";

/** A sentence of ours for the person (shown as is), as opposed to an unexpected failure. */
class Refusal extends Error {}

/** The deployments embedded by the service that served the page (none when the data block is missing or invalid). */
const served: readonly Deployment[] = (() => {
  try {
    const parsed = parseDeploymentsFile(JSON.parse($("served-deployments-data").textContent ?? ""));
    return parsed.ok ? parsed.file.deployments : [];
  } catch {
    return [];
  }
})();

/** The chain RPC published by the service that served the page (null when it publishes none, or the block is invalid). */
const servedChain: { chainId: number; rpcUrl: string } | null = (() => {
  try {
    const parsed = JSON.parse($("served-chain-data").textContent ?? "") as { chainId?: unknown; rpcUrl?: unknown } | null;
    return parsed && typeof parsed.chainId === "number" && typeof parsed.rpcUrl === "string" ? { chainId: parsed.chainId, rpcUrl: parsed.rpcUrl } : null;
  } catch {
    return null;
  }
})();

/** The RPC to offer for a chain: the served one for its own chain, else a well-known one, else none. */
function rpcFor(chainId: number | undefined): string {
  if (servedChain && chainId === servedChain.chainId) return servedChain.rpcUrl;
  return KNOWN_RPCS[chainId ?? -1] ?? "";
}

function render() {
  const m = MESSAGES[language];
  document.documentElement.lang = language === "zh" ? "zh-CN" : "en";
  for (const element of document.querySelectorAll<HTMLElement>("[data-text]")) {
    element.textContent = m[element.dataset.text as keyof Messages];
  }
  const list = $("served-deployments");
  list.replaceChildren(
    ...(served.length
      ? served.map((d) => {
          const item = document.createElement("li");
          item.textContent = `${d.name} · ${m.deploymentChain} ${d.chainId} · ${m.deploymentContract} ${d.contract} · ${m.deploymentAnchorer} ${d.anchorer} · ${d.from} – ${d.until ?? "…"}`;
          if (isLocalDeployment(d)) {
            item.className = "local";
            item.textContent += ` · ${m.localDeployment}`;
          }
          return item;
        })
      : [Object.assign(document.createElement("li"), { textContent: m.trustServedNone })]),
  );
}

/** The evidence as JSON: the file itself, or the evidence file attached to a PDF (the one chosen, when several). */
async function readEvidence(): Promise<unknown> {
  const m = MESSAGES[language];
  const file = $<HTMLInputElement>("evidence").files?.[0];
  if (!file) throw new Refusal(m.noEvidence);
  let bytes: Uint8Array = new Uint8Array(await file.arrayBuffer());
  if (isPdf(bytes)) {
    const chosen = (await pdfEvidence(bytes))[Number($<HTMLSelectElement>("attachment").value) || 0];
    if (!chosen) throw new Refusal(m.noEvidenceInPdf);
    bytes = chosen.bytes;
  }
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Refusal(m.notJson);
  }
}

/** A PDF's attached evidence files; none when pdf-lib cannot read it (the verification then says it carries none). */
function pdfEvidence(bytes: Uint8Array): Promise<AttachedFile[]> {
  return evidenceFilesOfPdf(bytes).catch(() => []);
}

/** Whom the person chose to trust; undefined: nobody, the verdict states only what the chain proves. */
async function chosenTrust(): Promise<Trust | undefined> {
  const m = MESSAGES[language];
  const choice = document.querySelector<HTMLInputElement>('input[name="trust"]:checked')?.value ?? "none";
  if (choice === "served") return { deployments: served };
  if (choice === "file") {
    const file = $<HTMLInputElement>("trust-file").files?.[0];
    if (!file) throw new Refusal(m.noDeploymentsFile);
    let json: unknown;
    try {
      json = JSON.parse(await file.text());
    } catch {
      throw new Refusal(`${m.badDeployments} ${m.notJson}`);
    }
    const parsed = parseDeploymentsFile(json);
    if (!parsed.ok) throw new Refusal(`${m.badDeployments} ${parsed.problems.join("; ")}`);
    return { deployments: parsed.file.deployments };
  }
  if (choice === "contract") {
    const typed = $<HTMLInputElement>("trust-contract").value.split(/[\s,]+/).filter(Boolean);
    if (typed.length === 0) throw new Refusal(`${m.badContract} —`);
    const contracts = typed.map((c) => {
      try {
        return getAddress(c).toLowerCase();
      } catch {
        throw new Refusal(`${m.badContract} ${c}`);
      }
    });
    return { deployments: [], contracts };
  }
  return undefined;
}

/** An element with its text (and class, when given). */
function element(tag: string, text: string, className?: string): HTMLElement {
  const e = document.createElement(tag);
  e.textContent = text;
  if (className) e.className = className;
  return e;
}

/**
 * In Chinese, a line of the core's stays below its Chinese meaning, marked English: it carries the exact values
 * (hashes, blocks, addresses) and is what the CLI, the API and evidence records say. In English it is shown alone.
 */
function withEnglish(target: HTMLElement, chinese: string | undefined, english: string) {
  if (chinese === undefined) target.textContent = english;
  else target.append(element("span", chinese, "zh"), Object.assign(element("span", english, "en"), { lang: "en" }));
}

/** Shows a verdict of `evidence` (whose `image`, when one was presented, has this fingerprint) in the page's language. */
function showVerdict(verdict: Verdict, evidence: unknown, image: SeenImage | undefined) {
  const m = MESSAGES[language];
  const zh = language === "zh" ? verdictZh(verdict, evidence, image) : undefined;
  $("checks").replaceChildren(
    ...verdict.checks.map((check, i) => {
      const item = element("li", "", check.ok ? "ok" : "fail");
      item.dataset.check = check.name;
      const name = document.createElement("strong");
      const label = zh?.checks[i].label;
      // The core's name stays visible beside the Chinese one: it is what the CLI and the API call the check.
      if (label) name.append(label, Object.assign(element("code", check.name), { lang: "en" }));
      else name.textContent = check.name;
      const detail = document.createElement("span");
      withEnglish(detail, zh?.checks[i].meaning, check.detail);
      item.append(element("span", check.ok ? "✓" : "✗", "mark"), name, detail);
      return item;
    }),
  );
  const f = verdict.findings;
  const findings: [keyof Findings, string, string][] = f
    ? [
        ["chain", m.findingChain, f.chain],
        ["deployment", m.findingDeployment, f.deployment],
        ["signature", m.findingSignature, f.signature],
        ...(f.local ? [["local", m.findingLocal, f.local] as [keyof Findings, string, string]] : []),
      ]
    : [];
  $("findings").replaceChildren(
    ...findings.flatMap(([key, label, text]) => {
      const dd = document.createElement("dd");
      dd.dataset.finding = key;
      withEnglish(dd, zh?.findings?.[key], text);
      if (key === "local") dd.className = "local";
      return [element("dt", label), dd];
    }),
  );
  const result = $("result");
  if (verdict.ok && verdict.trusted) {
    result.className = "ok";
    result.textContent = `${m.verified}${m.colon}${zh?.statement ?? verdict.statement}`;
  } else if (verdict.ok) {
    result.className = "chain";
    result.textContent = `${m.chainOnly}${m.colon}${m.chainOnlyText}`;
  } else if (chainUnread(verdict)) {
    // Nothing is known about the evidence yet: another RPC may settle it.
    result.className = "unread";
    result.textContent = `${m.couldNotCheck}${m.colon}${m.couldNotCheckText}`;
  } else {
    result.className = "fail";
    result.textContent = verdict.checks.every((c) => c.ok || c.name === "image") ? m.evidenceOkImageNot : m.notVerified;
  }
}

/** Shows the last verdict again, in the language just chosen; none before a verification ends. */
let showAgain: (() => void) | undefined;

async function verify() {
  const m = MESSAGES[language];
  const result = $("result");
  result.className = "";
  result.textContent = m.checking;
  $("checks").replaceChildren();
  $("findings").replaceChildren();
  showAgain = undefined;
  try {
    const evidence = await readEvidence();
    const trust = await chosenTrust();
    const provider = createProvider($<HTMLInputElement>("rpc").value.trim());
    const imageFile = $<HTMLInputElement>("image").files?.[0];
    // Kept for the Chinese image line, which says from the fingerprints themselves whose bytes these are and how far.
    let seen: SeenImage | undefined;
    try {
      const verdict = await verifyEvidence(evidence, {
        readChainFacts: chainFactsReader(provider),
        trust,
        image: imageFile ? new Uint8Array(await imageFile.arrayBuffer()) : undefined,
        fingerprint: async (bytes) => (seen = await browserFingerprint(bytes)),
      });
      showAgain = () => showVerdict(verdict, evidence, seen);
      showAgain();
    } finally {
      provider.destroy();
    }
  } catch (error) {
    result.className = "fail";
    result.textContent = error instanceof Error ? error.message : String(error);
  }
}

/** A new evidence file: a PDF's evidence files offered as a choice when it carries several (a complaint report), and the RPC prefilled for its chain. */
async function evidenceChosen() {
  const file = $<HTMLInputElement>("evidence").files?.[0];
  const bytes = file ? new Uint8Array(await file.arrayBuffer()) : new Uint8Array();
  const files = isPdf(bytes) ? await pdfEvidence(bytes) : [];
  $("attachment").replaceChildren(...files.map((f, i) => Object.assign(document.createElement("option"), { value: String(i), textContent: f.name })));
  $("attachment-box").hidden = files.length < 2;
  await prefillRpc();
}

/** Prefills the RPC from the chain the chosen evidence names, unless the person typed one. */
async function prefillRpc() {
  const rpc = $<HTMLInputElement>("rpc");
  let chainId: number | undefined;
  try {
    chainId = ((await readEvidence()) as { anchor?: { chainId?: number } }).anchor?.chainId;
  } catch {
    return; // not evidence: the verification will say so
  }
  // Asked once the file is read, not before: an RPC typed while it was being read must stay.
  if (!rpc.dataset.typed) rpc.value = rpcFor(chainId);
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

/** Choosing a deployments file or typing a contract selects that way of trusting. */
function selectsTrust(input: HTMLElement, choice: string, event: string) {
  input.addEventListener(event, () => ($<HTMLInputElement>(choice).checked = true));
}

render();
$<HTMLInputElement>("rpc").value = servedChain?.rpcUrl ?? "";
$<HTMLInputElement>("trust-served").disabled = served.length === 0;
$<HTMLInputElement>(served.length ? "trust-served" : "trust-none").checked = true;
dropInto($("evidence-zone"), $<HTMLInputElement>("evidence"));
dropInto($("image-zone"), $<HTMLInputElement>("image"));
$("evidence").addEventListener("change", () => void evidenceChosen());
$("rpc").addEventListener("input", () => ($<HTMLInputElement>("rpc").dataset.typed = "1"));
selectsTrust($("trust-file"), "trust-file-choice", "change");
selectsTrust($("trust-contract"), "trust-contract-choice", "input");
$("verify").addEventListener("click", () => void verify());
$("language").addEventListener("click", () => {
  language = language === "en" ? "zh" : "en";
  render();
  showAgain?.();
});
