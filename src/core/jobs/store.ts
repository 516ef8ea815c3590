import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { openSqlite, transaction } from '../store/sqlite-file.js';
import type { Execution, Job, JobHistory } from './model.js';

/**
 * Jobs, their versions, executions and history in one SQLite file (`jobs.db` beside the agents'
 * store) through node:sqlite. Every change of a job and its executions is one transaction, so a
 * killed server leaves either the old or the new state, never half of each.
 */
export class JobStore {
  readonly #db: DatabaseSync;
  readonly #st: Record<string, StatementSync>;

  constructor(dataDir: string) {
    this.#db = openSqlite(dataDir, 'jobs.db');
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS jobs (
        id TEXT PRIMARY KEY, namespace TEXT NOT NULL, name TEXT NOT NULL, state TEXT NOT NULL,
        create_time INTEGER NOT NULL, modify_time INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS jobs_name ON jobs (namespace, name);
      CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state);
      CREATE TABLE IF NOT EXISTS job_versions (
        id TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (id, version));
      CREATE TABLE IF NOT EXISTS executions (
        id TEXT PRIMARY KEY, job_id TEXT NOT NULL, create_time INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS executions_job ON executions (job_id);
      CREATE TABLE IF NOT EXISTS history (
        job_id TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (job_id, seq));
      CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, job_id TEXT NOT NULL);
    `);
    const db = this.#db;
    this.#st = {
      putJob: db.prepare('INSERT OR REPLACE INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?)'),
      putVersion: db.prepare('INSERT OR REPLACE INTO job_versions VALUES (?, ?, ?)'),
      getJob: db.prepare('SELECT body FROM jobs WHERE id = ?'),
      byPrefix: db.prepare("SELECT body FROM jobs WHERE id >= ? AND id < ? || '~' LIMIT 11"),
      byName: db.prepare('SELECT body FROM jobs WHERE name = ? AND (namespace = ? OR ? = \'*\')'),
      allJobs: db.prepare('SELECT body FROM jobs'),
      byState: db.prepare('SELECT body FROM jobs WHERE state = ?'),
      versions: db.prepare('SELECT body FROM job_versions WHERE id = ? ORDER BY version'),
      version: db.prepare('SELECT body FROM job_versions WHERE id = ? AND version = ?'),
      putExec: db.prepare('INSERT OR REPLACE INTO executions VALUES (?, ?, ?, ?)'),
      execsOf: db.prepare('SELECT body FROM executions WHERE job_id = ? ORDER BY create_time, id'),
      getExec: db.prepare('SELECT body FROM executions WHERE id = ?'),
      maxSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM history WHERE job_id = ?'),
      putHistory: db.prepare('INSERT INTO history VALUES (?, ?, ?)'),
      historyOf: db.prepare('SELECT body FROM history WHERE job_id = ? AND seq >= ? ORDER BY seq'),
      getKey: db.prepare('SELECT job_id FROM idempotency WHERE key = ?'),
      putKey: db.prepare('INSERT OR IGNORE INTO idempotency VALUES (?, ?)'),
      deleteJob: db.prepare('DELETE FROM jobs WHERE id = ?'),
      deleteVersions: db.prepare('DELETE FROM job_versions WHERE id = ?'),
      deleteExecs: db.prepare('DELETE FROM executions WHERE job_id = ?'),
      deleteHistory: db.prepare('DELETE FROM history WHERE job_id = ?'),
      deleteKeys: db.prepare('DELETE FROM idempotency WHERE job_id = ?'),
    };
  }

  /** Runs `fn` in one transaction. */
  tx<T>(fn: () => T): T {
    return transaction(this.#db, fn);
  }

  putJob(job: Job, newVersion = false): void {
    const body = JSON.stringify(job);
    this.#st.putJob!.run(job.ID, job.Namespace, job.Name, job.State.StateType, job.CreateTime, job.ModifyTime, body);
    if (newVersion) this.#st.putVersion!.run(job.ID, job.Version, body);
  }

  job(id: string): Job | undefined {
    return parse<Job>(this.#st.getJob!.get(id));
  }

  /** Jobs whose id starts with `prefix` (at most 11: enough to say it is ambiguous). */
  jobsByPrefix(prefix: string): Job[] {
    return this.#st.byPrefix!.all(prefix, prefix).map((r) => parse<Job>(r) as Job).filter((j) => j.ID.startsWith(prefix));
  }

  jobsByName(name: string, namespace: string): Job[] {
    return this.#st.byName!.all(name, namespace, namespace).map((r) => parse<Job>(r) as Job);
  }

  jobs(): Job[] {
    return this.#st.allJobs!.all().map((r) => parse<Job>(r) as Job);
  }

  jobsInState(state: string): Job[] {
    return this.#st.byState!.all(state).map((r) => parse<Job>(r) as Job);
  }

  versions(id: string): Job[] {
    return this.#st.versions!.all(id).map((r) => parse<Job>(r) as Job);
  }

  version(id: string, version: number): Job | undefined {
    return parse<Job>(this.#st.version!.get(id, version));
  }

  putExecution(e: Execution): void {
    this.#st.putExec!.run(e.ID, e.JobID, e.CreateTime, JSON.stringify(e));
  }

  executions(jobId: string): Execution[] {
    return this.#st.execsOf!.all(jobId).map((r) => parse<Execution>(r) as Execution);
  }

  execution(id: string): Execution | undefined {
    return parse<Execution>(this.#st.getExec!.get(id));
  }

  /** Appends an event, numbering it after the job's last one. */
  addHistory(h: Omit<JobHistory, 'SeqNum'>): JobHistory {
    const seq = Number((this.#st.maxSeq!.get(h.JobID) as { seq: number }).seq) + 1;
    const entry: JobHistory = { SeqNum: seq, ...h };
    this.#st.putHistory!.run(h.JobID, seq, JSON.stringify(entry));
    return entry;
  }

  history(jobId: string, fromSeq = 1): JobHistory[] {
    return this.#st.historyOf!.all(jobId, fromSeq).map((r) => parse<JobHistory>(r) as JobHistory);
  }

  jobForKey(key: string): string | undefined {
    const r = this.#st.getKey!.get(key) as { job_id: string } | undefined;
    return r?.job_id;
  }

  putKey(key: string, jobId: string): void {
    this.#st.putKey!.run(key, jobId);
  }

  deleteJob(id: string): void {
    for (const s of ['deleteJob', 'deleteVersions', 'deleteExecs', 'deleteHistory', 'deleteKeys']) this.#st[s]!.run(id);
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

function parse<T>(row: unknown): T | undefined {
  if (!row) return undefined;
  return JSON.parse((row as { body: string }).body) as T;
}
