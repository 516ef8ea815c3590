import type { DoctorReport } from '../client/doctor.js';

/** `taho doctor`'s findings, one per line, with what to do (or what was done) under each. */
export function doctorLines(report: DoctorReport, repaired: boolean): string[] {
  const lines = [`data directory ${report.dataDir}`];
  for (const f of report.findings) {
    lines.push(`${f.level.padEnd(8)} ${f.what}`);
    if (f.repaired !== undefined) lines.push(`         repaired: ${f.repaired}`);
    else if (f.todo !== undefined) lines.push(`         → ${f.todo}`);
  }
  const left = report.findings.filter((f) => f.level === 'problem' && f.repaired === undefined).length;
  lines.push(left === 0
    ? (repaired ? 'healthy after the repairs above' : 'healthy')
    : `${left} ${left === 1 ? 'problem' : 'problems'} left${repaired ? '' : ' (`taho doctor --repair` makes the safe repairs)'}`);
  return lines;
}
