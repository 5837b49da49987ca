/**
 * Where a server's analysis workers spent their time, by task, read from its own /metrics (loopback clients may
 * read them): the count and summed seconds of imprint_analysis_run_seconds and imprint_analysis_wait_seconds.
 */
export interface TaskTimes {
  count: number;
  ranS: number;
  waitedS: number;
}

/** The server's /metrics, as text. */
export async function serverMetrics(base: string): Promise<string> {
  const res = await fetch(`${base}/metrics`);
  if (!res.ok) throw new Error(`${base}/metrics answered ${res.status}`);
  return res.text();
}

/** The analysis task times in a /metrics text. */
export function analysisTaskTimes(text: string): Map<string, TaskTimes> {
  const tasks = new Map<string, TaskTimes>();
  const of = (task: string) => tasks.get(task) ?? tasks.set(task, { count: 0, ranS: 0, waitedS: 0 }).get(task)!;
  for (const [, metric, part, task, value] of text.matchAll(/^imprint_analysis_(run|wait)_seconds_(sum|count)\{[^}]*task="([^"]+)"[^}]*\} (\S+)$/gm)) {
    const times = of(task);
    if (part === "count" && metric === "run") times.count = Number(value);
    else if (part === "sum") times[metric === "run" ? "ranS" : "waitedS"] = Number(value);
  }
  return tasks;
}

/** What each task took between two readings: its count and mean run and wait, in ms. */
export function taskTimesBetween(before: Map<string, TaskTimes>, after: Map<string, TaskTimes>): { task: string; count: number; ranMs: number; waitedMs: number }[] {
  return [...after].flatMap(([task, a]) => {
    const b = before.get(task) ?? { count: 0, ranS: 0, waitedS: 0 };
    const count = a.count - b.count;
    return count > 0 ? [{ task, count, ranMs: ((a.ranS - b.ranS) * 1000) / count, waitedMs: ((a.waitedS - b.waitedS) * 1000) / count }] : [];
  });
}
