/**
 * The verification of a query's region proposals against their candidates (the matcher's windowPass), as a plain
 * function of cloneable values, so that it runs on the analysis workers as well as on the calling thread: a large
 * query that nothing settles verifies up to 16 candidates in each of its windows, which held the event loop for
 * tens of milliseconds (README, bench:query).
 */
import type { ImageFeatures } from "./features";
import { verifyPair, type PairVerification } from "./verify-pair";

/** A region proposal and the candidates it voted for, best first. */
export interface WindowCandidates {
  window: ImageFeatures;
  candidates: { id: string; votes: number }[];
}

export interface WindowVerification {
  id: string;
  votes: number;
  verification: PairVerification;
}

/**
 * Each window's candidates verified with its features, window by window in order, up to and including the first
 * window that verifies a candidate with at least `conclusiveInliers` inliers: the windows after it are not looked
 * at. Candidates whose features are missing are skipped.
 */
export function verifyWindowsInOrder(
  windows: readonly WindowCandidates[],
  originals: ReadonlyMap<string, ImageFeatures>,
  conclusiveInliers: number,
): WindowVerification[][] {
  const verified: WindowVerification[][] = [];
  for (const { window, candidates } of windows) {
    const these: WindowVerification[] = [];
    for (const { id, votes } of candidates) {
      const original = originals.get(id);
      if (original) these.push({ id, votes, verification: verifyPair(window, original, false) });
    }
    verified.push(these);
    if (isConclusive(these, conclusiveInliers)) break;
  }
  return verified;
}

/**
 * The windows split into `parts` contiguous parts verified apart (each stopping at its own first conclusive
 * window), joined back in order and cut after the first conclusive window: exactly verifyWindowsInOrder's answer.
 * A later part is verified while an earlier one may still conclude, and its work is then dropped: the price of
 * answering in the time of the longest part.
 */
export async function verifyWindowsInParts(
  windows: readonly WindowCandidates[],
  parts: number,
  verifyPart: (part: readonly WindowCandidates[]) => Promise<WindowVerification[][]>,
  conclusiveInliers: number,
): Promise<WindowVerification[][]> {
  const perPart = Math.ceil(windows.length / parts);
  const split = Array.from({ length: parts }, (_, part) => windows.slice(part * perPart, (part + 1) * perPart)).filter((p) => p.length > 0);
  const joined = (await Promise.all(split.map(verifyPart))).flat();
  const first = joined.findIndex((these) => isConclusive(these, conclusiveInliers));
  return first < 0 ? joined : joined.slice(0, first + 1);
}

/** The candidates' features that these windows need: what a part is sent with. */
export function originalsFor(windows: readonly WindowCandidates[], originals: ReadonlyMap<string, ImageFeatures>): [string, ImageFeatures][] {
  const ids = new Set(windows.flatMap((w) => w.candidates.map((c) => c.id)));
  return [...ids].flatMap((id) => {
    const f = originals.get(id);
    return f ? [[id, f] as [string, ImageFeatures]] : [];
  });
}

function isConclusive(these: readonly WindowVerification[], conclusiveInliers: number): boolean {
  return these.some((v) => v.verification.inliers >= conclusiveInliers);
}
