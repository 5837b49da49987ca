/** Times as the reports print them: always UTC, to the millisecond, with the zone spelled out. */
export function utc(at: Date): string {
  return at.toISOString().replace("T", " ").replace("Z", " UTC");
}

/** `+12.345 s`, `+3 h 02 min 07 s`, or a negative gap (a registration clock ahead of the chain). */
export function timeBetween(from: Date, to: Date): string {
  const ms = to.getTime() - from.getTime();
  const sign = ms < 0 ? "−" : "+";
  const abs = Math.abs(ms);
  if (abs < 120_000) return `${sign}${(abs / 1000).toFixed(3)} s`;
  const s = Math.round(abs / 1000);
  const d = Math.floor(s / 86_400), h = Math.floor((s % 86_400) / 3600), m = Math.floor((s % 3600) / 60);
  const parts = [d ? `${d} d` : "", d || h ? `${h} h` : "", `${String(m).padStart(2, "0")} min`, `${String(s % 60).padStart(2, "0")} s`];
  return sign + parts.filter(Boolean).join(" ");
}
