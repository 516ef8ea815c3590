import { readdirSync, readFileSync } from 'node:fs';
import { processAlive, processRunning } from '../../shared/process.js';

/**
 * The processes of one round, found by the environment every round starts with
 * (`TAHO_AGENT_ID`, `TAHO_ROUND`): the round's own process and whatever it started, even when
 * the server that spawned it died before recording its pid. A reused pid never matches.
 * Without /proc (not Linux) only the recorded pid can be asked, and only whether it is alive.
 */
export function roundProcesses(agentId: string, round: number, recordedPid: number | null): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return recordedPid !== null && processAlive(recordedPid) ? [recordedPid] : [];
  }
  const wanted = [`TAHO_AGENT_ID=${agentId}`, `TAHO_ROUND=${round}`];
  const found: number[] = [];
  for (const e of entries) {
    let env: string[];
    try {
      env = readFileSync(`/proc/${e}/environ`, 'latin1').split('\0');
    } catch {
      continue; // gone meanwhile, or another user's
    }
    if (wanted.every((w) => env.includes(w))) found.push(Number(e));
  }
  return found;
}

/**
 * Stops a round's processes: SIGTERM to each one's process group, SIGKILL after `graceMs`, and
 * returns once none is left, so whatever runs the task next never runs beside it.
 */
export async function stopRoundProcesses(pids: readonly number[], graceMs: number): Promise<void> {
  if (pids.length === 0) return;
  signalAll(pids, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(processRunning) && Date.now() < deadline) await pause(25);
  signalAll(pids, 'SIGKILL');
  // SIGKILL cannot be ignored; this waits only for the kernel to reap them.
  for (let i = 0; i < 400 && pids.some(processRunning); i++) await pause(25);
}

function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, signal);
      } catch {
        // ESRCH: not a group leader, or already gone.
      }
    }
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
