// Times as a person reads them, for every view (the dashboard, the CLI's tables).

/** How long ago, short: `4s`, `3m`, `2h`, `5d` (`-` when unknown or in the future by more than a second). */
export function age(fromMs: number | undefined, nowMs: number): string {
  if (fromMs === undefined || !Number.isFinite(fromMs)) return '-';
  const s = Math.floor((nowMs - fromMs) / 1000);
  if (s < -1) return '-';
  if (s < 60) return `${Math.max(0, s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** An RFC 3339 string as epoch ms (undefined when absent or unparseable). */
export function ms(iso: string | null | undefined): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}
