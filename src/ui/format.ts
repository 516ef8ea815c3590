/** Small text helpers the dashboard's views share (pure, no ink). */

export { shortId } from '../shared/ids.js';

/** One line of at most `max` characters (an ellipsis marks what was cut). */
export function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (max <= 0) return '';
  return flat.length > max ? `${flat.slice(0, Math.max(0, max - 1))}…` : flat;
}

/** At most `max` characters, whitespace kept (log lines, the help line). */
export function cut(text: string, max: number): string {
  if (max <= 0) return '';
  return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text;
}

export { age, ms } from '../shared/time.js';

/** Latency as a person reads it: 0.31 ms, 2.4 ms, 35 ms, 1.2 s. */
export function latency(v: number): string {
  if (v >= 1000) return `${(v / 1000).toFixed(1)} s`;
  return `${v < 1 ? v.toFixed(2) : v < 10 ? v.toFixed(1) : Math.round(v)} ms`;
}

/** `1h 02m`, `3m 07s`, `12s`: a server's uptime. */
export function duration(secs: number): string {
  const s = Math.max(0, Math.floor(secs));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

/**
 * Lines of a plain table fitted to `width`: columns as wide as their widest cell, the last one
 * taking what is left (and cut), every line exactly `width` characters or less.
 */
export function fitTable(headers: readonly string[], rows: readonly (readonly string[])[], width: number): { header: string; lines: string[] } {
  const n = headers.length;
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fixed = widths.slice(0, -1).reduce((a, w) => a + w + 2, 0);
  const last = Math.max(0, width - fixed);
  if (n > 0) widths[n - 1] = Math.min(widths[n - 1] ?? 0, last);
  const line = (cells: readonly string[]) => cells.map((c, i) => {
    const w = widths[i] ?? 0;
    return i === n - 1 ? clip(c, w) : clip(c, w).padEnd(w);
  }).join('  ').slice(0, Math.max(0, width)).trimEnd();
  return { header: line(headers), lines: rows.map(line) };
}
