import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../../shared/process.js';
import { TahoError } from '../errors.js';

/**
 * One process runs the jobs (or the town) of a data directory: a second one would "recover"
 * executions or rounds the first is running. The lock file holds the owner's pid; a dead owner's
 * lock is taken over. Returns the release function.
 */
export function lockWork(dataDir: string, what: 'jobs' | 'town'): () => void {
  const file = join(dataDir, `${what}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      mkdirSync(dataDir, { recursive: true });
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (owner && owner !== process.pid && processAlive(owner)) {
        throw new TahoError('TAHO_CONFLICT', `another taho process (pid ${owner}) runs the ${what} of ${dataDir}`, {
          hint: 'Send jobs to it (taho serve is running?), or wait until it ends.',
        });
      }
      rmSync(file, { force: true });
    }
  }
  throw new TahoError('TAHO_INTERNAL', `cannot take the ${what} lock in ${dataDir}`);
}

