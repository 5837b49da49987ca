/**
 * The portal's one small client script: local times, bulk registration with per-file progress, pasting an image
 * into the search form. Pages work without it except for those three conveniences.
 */
import { explainRefusal } from "../refusals";

const csrfToken = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? "";

function showLocalTimes() {
  for (const el of document.querySelectorAll<HTMLElement>("[data-local-of]")) {
    const date = new Date(el.dataset.localOf!);
    el.textContent = ` · ${date.toLocaleString(document.documentElement.lang)} (${Intl.DateTimeFormat().resolvedOptions().timeZone})`;
  }
}

type Outcome = "registered" | "already" | "refused";

/** A refusal as the page's reader reads it: on a Chinese page the code explained in Chinese first (refusals.ts). */
function refusalText({ code, message }: { code: string; message: string }): string {
  const explained = explainRefusal(document.documentElement.lang === "zh-CN" ? "zh" : "en", code);
  return explained ? `${explained}（${code}: ${message}）` : `${code}: ${message}`;
}

/** Uploads one file to the API on the session's cookie, reporting upload progress (fetch cannot). */
function upload(file: File, fields: Record<string, string>, onProgress: (fraction: number) => void): Promise<{ outcome: Outcome; detail: string }> {
  return new Promise((resolve) => {
    const form = new FormData();
    form.set("image", file, file.name);
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/v1/originals");
    xhr.setRequestHeader("x-csrf-token", csrfToken);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let body: { id?: string; error?: { code: string; message: string } } = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: reported by status below
      }
      if (xhr.status === 201) resolve({ outcome: "registered", detail: body.id ?? "" });
      else if (xhr.status === 200) resolve({ outcome: "already", detail: body.id ?? "" });
      else resolve({ outcome: "refused", detail: body.error ? refusalText(body.error) : `HTTP ${xhr.status}` });
    };
    xhr.onerror = () => resolve({ outcome: "refused", detail: "network error" });
    xhr.send(form);
  });
}

/** A file the service could take as an image; anything else in a dropped folder (notes, spreadsheets) is skipped. */
const isImage = (f: File) => /\.(jpe?g|png|webp)$/i.test(f.name) || /^image\//.test(f.type);

/** The page's list of originals again, from the server: what a bulk run registered shows without a reload. */
async function refreshOriginals() {
  const list = document.getElementById("originals-list");
  if (!list) return;
  const answer = await fetch(location.href, { headers: { accept: "text/html" } });
  if (!answer.ok) return;
  const fresh = new DOMParser().parseFromString(await answer.text(), "text/html").getElementById("originals-list");
  if (fresh) list.replaceWith(document.importNode(fresh, true));
  showLocalTimes();
}

function setUpRegistration() {
  const zone = document.getElementById("drop-zone");
  if (!zone) return;
  const list = document.getElementById("uploads")!;
  const summary = document.getElementById("upload-summary")!;
  let chosen: { file: File; item: HTMLLIElement }[] = [];
  let skipped = 0;
  const choose = (files: Iterable<File>) => {
    const all = [...files].map((file) => {
      const item = document.createElement("li");
      item.textContent = file.webkitRelativePath || file.name;
      if (isImage(file)) {
        const bar = document.createElement("progress");
        bar.max = 1;
        bar.value = 0;
        item.append(" ", bar);
      } else {
        // Listed, not sent: the reader sees that the file was seen and why nothing was done with it.
        item.dataset.outcome = "skipped";
        const note = document.createElement("span");
        note.className = "outcome skipped";
        note.textContent = ` ${summary.dataset.skipped} (${summary.dataset.notImage})`;
        item.append(note);
      }
      return { file, item };
    });
    chosen = all.filter(({ file }) => isImage(file));
    skipped = all.length - chosen.length;
    list.replaceChildren(...all.map(({ item }) => item));
    summary.textContent = "";
  };
  for (const id of ["files", "folder"]) {
    document.getElementById(id)!.addEventListener("change", (e) => choose((e.target as HTMLInputElement).files ?? []));
  }
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    choose(e.dataTransfer?.files ?? []);
  });
  document.getElementById("start-register")!.addEventListener("click", async () => {
    const value = (id: string) => (document.getElementById(id) as HTMLInputElement).value.trim();
    const fromName = (document.getElementById("product-id-from-filename") as HTMLInputElement).checked;
    const counts: Record<Outcome, number> = { registered: 0, already: 0, refused: 0 };
    // Two at a time: the server's pool has two cores' worth of workers.
    let next = 0;
    const worker = async () => {
      while (next < chosen.length) {
        const { file, item } = chosen[next++];
        const fields = {
          category: value("category"),
          storeCountry: value("country"),
          productId: fromName ? file.name.replace(/\.[^.]+$/, "") : value("product-id"),
        };
        const bar = item.querySelector("progress")!;
        const { outcome, detail } = await upload(file, fields, (f) => (bar.value = f));
        bar.value = 1;
        counts[outcome] += 1;
        item.dataset.outcome = outcome;
        const note = document.createElement("span");
        note.className = `outcome ${outcome}`;
        note.textContent = ` ${summary.dataset[outcome === "already" ? "already" : outcome]} ${detail}`;
        item.append(note);
      }
    };
    await Promise.all([worker(), worker()]);
    // The list below first, then the summary: once the summary shows, the list holds what was registered.
    if (counts.registered > 0) await refreshOriginals().catch(() => undefined);
    const parts = [`${counts.registered} ${summary.dataset.registered}`, `${counts.already} ${summary.dataset.already}`, `${counts.refused} ${summary.dataset.refused}`];
    if (skipped > 0) parts.push(`${skipped} ${summary.dataset.skipped} (${summary.dataset.notImage})`);
    summary.textContent = parts.join(" · ");
  });
}

/** A pasted image becomes the search form's file. */
function setUpPaste() {
  const input = document.getElementById("search-image") as HTMLInputElement | null;
  if (!input) return;
  document.addEventListener("paste", (e) => {
    const file = [...(e.clipboardData?.files ?? [])].find((f) => f.type.startsWith("image/"));
    if (!file) return;
    const transfer = new DataTransfer();
    transfer.items.add(file);
    input.files = transfer.files;
  });
}

/** A form with `data-confirm` (an irreversible step, such as withdrawing a complaint) asks before it is sent. */
function setUpConfirmations() {
  for (const form of document.querySelectorAll<HTMLFormElement>("form[data-confirm]")) {
    form.addEventListener("submit", (e) => {
      if (!window.confirm(form.dataset.confirm ?? "")) e.preventDefault();
    });
  }
}

showLocalTimes();
setUpRegistration();
setUpPaste();
setUpConfirmations();
