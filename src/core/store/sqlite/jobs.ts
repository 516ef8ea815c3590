import type { StatementSync } from 'node:sqlite';
import { TahoError } from '../../errors.js';
import { TERMINAL_COMPUTE_STATES, TERMINAL_JOB_STATES, type Execution, type Job, type JobHistory } from '../../jobs/model.js';
import type { JobCommit, JobPageQuery, JobStore, JobWrite } from '../ports/jobs.js';
import { reading, transaction } from './db.js';
import type { SqliteContext } from './context.js';

/** Jobs, their versions, executions, history and idempotency keys (Bacalhau model). */
export class SqliteJobStore implements JobStore {
  readonly #ctx: SqliteContext;
  readonly #path: string;
  readonly #st: Record<string, StatementSync>;

  constructor(ctx: SqliteContext) {
    this.#ctx = ctx;
    this.#path = ctx.path;
    const db = ctx.db;
    this.#st = {
      putJob: db.prepare('INSERT OR REPLACE INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?)'),
      // A job's id, namespace, name and creation time do not change once stored: a change writes
      // the columns that do, so SQLite leaves the other indexes' pages alone (a REPLACE deletes
      // and inserts the row in every index: three more pages per commit, each also checkpointed).
      updateJob: db.prepare('UPDATE jobs SET state = ?, modify_time = ?, body = ? WHERE id = ?'),
      // create_time is Unix nanoseconds, past what a JS number holds exactly: compared in SQL.
      storedJob: db.prepare("SELECT namespace = ? AND name = ? AND create_time = ? AS same, body ->> '$.Revision' AS revision, body ->> '$.Version' AS version, body ->> '$.State.StateType' AS state FROM jobs WHERE id = ?"),
      putVersion: db.prepare('INSERT OR REPLACE INTO job_versions VALUES (?, ?, ?)'),
      getJob: db.prepare('SELECT body FROM jobs WHERE id = ?'),
      byPrefix: db.prepare("SELECT body FROM jobs WHERE id >= ? AND id < ? || '~' LIMIT 11"),
      byName: db.prepare("SELECT body FROM jobs WHERE name = ? AND (namespace = ? OR ? = '*')"),
      allJobs: db.prepare('SELECT body FROM jobs'),
      byState: db.prepare('SELECT body FROM jobs WHERE state = ?'),
      // Row values seek the (time, id) indexes: a page reads its own rows only.
      createdAsc: db.prepare('SELECT body FROM jobs WHERE (create_time, id) > (?, ?) ORDER BY create_time, id LIMIT ?'),
      createdDesc: db.prepare('SELECT body FROM jobs WHERE (create_time, id) < (?, ?) ORDER BY create_time DESC, id DESC LIMIT ?'),
      modifiedAsc: db.prepare('SELECT body FROM jobs WHERE (modify_time, id) > (?, ?) ORDER BY modify_time, id LIMIT ?'),
      modifiedDesc: db.prepare('SELECT body FROM jobs WHERE (modify_time, id) < (?, ?) ORDER BY modify_time DESC, id DESC LIMIT ?'),
      counts: db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state'),
      versions: db.prepare('SELECT body FROM job_versions WHERE id = ? ORDER BY version'),
      version: db.prepare('SELECT body FROM job_versions WHERE id = ? AND version = ?'),
      putExec: db.prepare('INSERT OR REPLACE INTO executions VALUES (?, ?, ?, ?)'),
      updateExec: db.prepare('UPDATE executions SET body = ? WHERE id = ?'),
      storedExec: db.prepare("SELECT job_id = ? AND create_time = ? AS same, body ->> '$.Revision' AS revision, body ->> '$.ComputeState.StateType' AS state FROM executions WHERE id = ?"),
      execsOf: db.prepare('SELECT body FROM executions WHERE job_id = ? ORDER BY create_time, id'),
      getExec: db.prepare('SELECT body FROM executions WHERE id = ?'),
      maxSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM job_history WHERE job_id = ?'),
      putHistory: db.prepare('INSERT INTO job_history VALUES (?, ?, ?)'),
      historyOf: db.prepare('SELECT body FROM job_history WHERE job_id = ? AND seq >= ? ORDER BY seq'),
      getKey: db.prepare('SELECT job_id FROM job_keys WHERE key = ?'),
      putKey: db.prepare('INSERT INTO job_keys VALUES (?, ?)'),
      deleteJob: db.prepare('DELETE FROM jobs WHERE id = ?'),
      deleteVersions: db.prepare('DELETE FROM job_versions WHERE id = ?'),
      deleteExecs: db.prepare('DELETE FROM executions WHERE job_id = ?'),
      deleteHistory: db.prepare('DELETE FROM job_history WHERE job_id = ?'),
      deleteKeys: db.prepare('DELETE FROM job_keys WHERE job_id = ?'),
    };
  }

  async commit(w: JobWrite): Promise<JobCommit> {
    const out = transaction(this.#ctx.db, this.#path, () => {
      if (w.fence) this.#ctx.leases.check(w.fence);
      if (w.idempotencyKey) {
        const first = this.#st.getKey!.get(w.idempotencyKey.key) as { job_id: string } | undefined;
        if (first) {
          throw new TahoError('TAHO_CONFLICT', `the idempotency key ${w.idempotencyKey.key} was used before, for job ${first.job_id}`, {
            hint: 'That job is the answer to this submission.',
            details: { jobId: first.job_id },
          });
        }
        this.#st.putKey!.run(w.idempotencyKey.key, w.idempotencyKey.jobId);
      }
      for (const { job, newVersion } of w.jobs ?? []) this.#putJob(job, newVersion === true);
      for (const e of w.executions ?? []) this.#putExecution(e);
      const history = (w.history ?? []).map((h) => {
        const seq = Number((this.#st.maxSeq!.get(h.JobID) as { seq: number }).seq) + 1;
        const entry: JobHistory = { SeqNum: seq, ...h };
        this.#st.putHistory!.run(h.JobID, seq, JSON.stringify(entry));
        return entry;
      });
      for (const id of w.deleteJobs ?? []) {
        for (const s of ['deleteJob', 'deleteVersions', 'deleteExecs', 'deleteHistory', 'deleteKeys']) this.#st[s]!.run(id);
      }
      const events = this.#ctx.outbox.write(w.events ?? []);
      return { history, events };
    });
    this.#ctx.changes.committed(out.events);
    return out;
  }

  #putJob(job: Job, newVersion: boolean): void {
    const stored = this.#st.storedJob!.get(job.Namespace, job.Name, job.CreateTime, job.ID) as StoredJob | undefined;
    if (stored) {
      if (job.Revision !== stored.revision + 1) throw refused(`job ${job.ID} is at revision ${stored.revision}; this write is based on another (${job.Revision - 1})`, 'Read the job again: another writer changed it.');
      const from = stored.state;
      if (!newVersion && TERMINAL_JOB_STATES.has(from) && job.State.StateType !== from) {
        throw refused(`job ${job.ID} is ${from}; it cannot become ${job.State.StateType} except as a new version`, 'Rerun the job (a new version) instead.');
      }
      if (newVersion && job.Version <= stored.version) throw refused(`job ${job.ID} already has version ${stored.version}`, 'A new version numbers after the last one.');
    }
    const body = JSON.stringify(job);
    if (stored?.same === 1) {
      this.#st.updateJob!.run(job.State.StateType, job.ModifyTime, body, job.ID);
    } else {
      this.#st.putJob!.run(job.ID, job.Namespace, job.Name, job.State.StateType, job.CreateTime, job.ModifyTime, body);
    }
    if (newVersion) this.#st.putVersion!.run(job.ID, job.Version, body);
  }

  #putExecution(e: Execution): void {
    const stored = this.#st.storedExec!.get(e.JobID, e.CreateTime, e.ID) as StoredExecution | undefined;
    if (stored) {
      if (e.Revision !== stored.revision + 1) throw refused(`execution ${e.ID} is at revision ${stored.revision}; this write is based on another (${e.Revision - 1})`, 'Read the execution again: another writer changed it.');
      const from = stored.state;
      if (TERMINAL_COMPUTE_STATES.has(from) && e.ComputeState.StateType !== from) {
        throw refused(`execution ${e.ID} has finished (state ${from}); it cannot change to ${e.ComputeState.StateType}`, 'A finished execution stays finished; a new one runs instead.');
      }
    }
    const body = JSON.stringify(e);
    if (stored?.same === 1) this.#st.updateExec!.run(body, e.ID);
    else this.#st.putExec!.run(e.ID, e.JobID, e.CreateTime, body);
  }

  async job(id: string): Promise<Job | undefined> {
    return reading(this.#path, () => parse<Job>(this.#st.getJob!.get(id)));
  }

  async jobsByPrefix(prefix: string): Promise<Job[]> {
    return this.#all('byPrefix', prefix, prefix).filter((j) => j.ID.startsWith(prefix));
  }

  async jobsByName(name: string, namespace: string): Promise<Job[]> {
    return this.#all('byName', name, namespace, namespace);
  }

  async jobs(): Promise<Job[]> {
    return this.#all('allJobs');
  }

  async jobPage(q: JobPageQuery): Promise<Job[]> {
    // Without a cursor, start before the first (or past the last) time there can be.
    const after = q.after ?? { time: q.reverse ? Number.MAX_VALUE : -Number.MAX_VALUE, id: '' };
    return this.#all(`${q.orderBy}${q.reverse ? 'Desc' : 'Asc'}`, after.time, after.id, q.limit);
  }

  async jobCounts(): Promise<Record<string, number>> {
    return reading(this.#path, () => Object.fromEntries(this.#st.counts!.all().map((r) => [String(r.state), Number(r.n)])));
  }

  async jobsInState(state: string): Promise<Job[]> {
    return this.#all('byState', state);
  }

  async versions(id: string): Promise<Job[]> {
    return this.#all('versions', id);
  }

  async version(id: string, version: number): Promise<Job | undefined> {
    return reading(this.#path, () => parse<Job>(this.#st.version!.get(id, version)));
  }

  async executions(jobId: string): Promise<Execution[]> {
    return this.#all<Execution>('execsOf', jobId);
  }

  async execution(id: string): Promise<Execution | undefined> {
    return reading(this.#path, () => parse<Execution>(this.#st.getExec!.get(id)));
  }

  async history(jobId: string, fromSeq = 1): Promise<JobHistory[]> {
    return this.#all<JobHistory>('historyOf', jobId, fromSeq);
  }

  async jobForKey(key: string): Promise<string | undefined> {
    return reading(this.#path, () => (this.#st.getKey!.get(key) as { job_id: string } | undefined)?.job_id);
  }

  #all<T = Job>(statement: string, ...args: (string | number)[]): T[] {
    return reading(this.#path, () => this.#st[statement]!.all(...args).map((r) => JSON.parse(String(r.body)) as T));
  }
}

/** What a write checks against, read from the stored row (SQLite reads the JSON: no parse of the whole body here). */
interface StoredJob {
  /** 1 when its namespace, name and creation time are the write's. */
  readonly same: number;
  readonly revision: number;
  readonly version: number;
  readonly state: Job['State']['StateType'];
}

interface StoredExecution {
  /** 1 when its job and creation time are the write's. */
  readonly same: number;
  readonly revision: number;
  readonly state: Execution['ComputeState']['StateType'];
}

function refused(message: string, hint: string): TahoError {
  return new TahoError('TAHO_CONFLICT', message, { hint });
}

function parse<T>(row: unknown): T | undefined {
  if (!row) return undefined;
  return JSON.parse((row as { body: string }).body) as T;
}
