import { relative } from 'node:path';
import type { BuildReport } from '../client/build.js';

const SAID = { built: 'built', cached: 'built (from the cache: these sources were built before)', unchanged: 'unchanged' } as const;

/** One line per component built, then what the running server did with them. */
export function buildLines(report: BuildReport): string[] {
  const lines = report.results.map((r) => {
    const size = `${(r.bytes / 1_048_576).toFixed(1)} MB`;
    return `${r.id}: ${SAID[r.status]} ${relative(process.cwd(), r.output) || r.output} (${size}, ${(r.ms / 1000).toFixed(1)} s)`;
  });
  if (report.reload) lines.push(`server reloaded: ${[...report.reload.added.map((a) => `added ${a}`), ...report.reload.updated.map((u) => `updated ${u}`)].join(', ') || 'nothing new'}`);
  if (report.reloadError) lines.push(`the running server did not reload: ${report.reloadError} (run \`taho reload\`)`);
  return lines;
}
