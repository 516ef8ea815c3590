import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { parseDocument } from 'yaml';
import { BaseCommand } from '../../cli/base-command.js';
import { printJson } from '../../cli/output.js';
import type { Client, Job, SubmitResult } from '../../client/contract.js';
import { TahoError, isTahoError } from '../../cli/errors.js';
import { TERMINAL_JOB_STATES } from '../../client/contract.js';
import { eventWaker } from '../../client/waker.js';
import { clockTime } from './describe.js';

export default class JobsRun extends BaseCommand<typeof JobsRun> {
  static override summary = 'Submit a job spec (Bacalhau YAML or JSON) and wait for it to finish';
  static override description = [
    'The spec is a Bacalhau Job, bare or as {Job: …}. Relative `SourcePath`s of local input sources are resolved against the spec file\'s directory.',
    'Without a server (`taho serve`), the job runs in this process, so the command always waits for it.',
  ].join('\n');
  static override examples = [
    '<%= config.bin %> jobs run examples/jobs/hello-wasi.yaml',
    '<%= config.bin %> jobs run job.yaml --follow',
    '<%= config.bin %> jobs run job.yaml --no-wait --url http://127.0.0.1:9481',
  ];
  static override args = { spec: Args.string({ description: 'the job spec file (.yaml, .yml or .json)', required: true }) };
  static override flags = {
    wait: Flags.boolean({ description: 'wait for the job to finish (--no-wait prints the job id and returns)', default: true, allowNo: true }),
    'id-only': Flags.boolean({ description: 'print only the job id', default: false }),
    follow: Flags.boolean({ char: 'f', description: 'stream the job\'s logs while it runs', default: false }),
    force: Flags.boolean({ description: 'submit even when the job of that name has the same spec', default: false }),
    'idempotency-key': Flags.string({ description: 'a key that makes retries safe: the same key returns the first job' }),
  };

  async run(): Promise<void> {
    const job = readJobSpec(this.args.spec);
    const client = await this.client();
    const submitted = await submit(client, job, { force: this.flags.force, idempotencyKey: this.flags['idempotency-key'] }, this.args.spec);
    await followUp(this, client, submitted, {
      wait: this.flags.wait, idOnly: this.flags['id-only'], follow: this.flags.follow, json: this.flags.json,
    });
  }
}

/** What the shared submit-and-wait flow needs of a command. */
export interface CommandIO {
  log(message?: string): void;
  logToStderr(message?: string): void;
}

export interface FollowUpOptions {
  readonly wait: boolean;
  readonly idOnly: boolean;
  readonly follow: boolean;
  readonly json: boolean;
  /** After the job: print its stdout (taho wasm run). */
  readonly printStdout?: boolean;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a spec file (YAML or JSON), unwraps `{Job: …}` and resolves relative local SourcePaths. */
export function readJobSpec(file: string): Obj {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TahoError('TAHO_BAD_ARGUMENTS', code === 'ENOENT' ? `job spec ${file} does not exist` : `cannot read job spec ${file}: ${(err as Error).message}`, {
      hint: 'Give the path of a Bacalhau job spec (YAML or JSON), e.g. examples/jobs/hello-wasi.yaml.',
    });
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => (e.message.split('\n')[0] ?? '').replace(/:$/, ''));
    throw new TahoError('TAHO_BAD_REQUEST', `job spec ${file} is not valid YAML or JSON: ${problems.join('; ')}`, {
      hint: 'Fix the syntax at the line and column named.', details: { errors: problems },
    });
  }
  const parsed: unknown = doc.toJS();
  const job = isObj(parsed) && isObj(parsed.Job) && !('Tasks' in parsed) ? parsed.Job : parsed;
  if (!isObj(job)) {
    throw new TahoError('TAHO_BAD_REQUEST', `job spec ${file} must be a job (a map with Type and Tasks, or {Job: …}), got ${parsed === null || parsed === undefined ? 'an empty document' : Array.isArray(parsed) ? 'a list' : typeof parsed}`, {
      hint: 'See examples/jobs/hello-wasi.yaml.',
    });
  }
  return resolveSourcePaths(job, dirname(resolve(file)));
}

/** Local input sources name paths on the node; a relative one is meant relative to the spec. */
export function resolveSourcePaths(job: Obj, base: string): Obj {
  const fix = (source: unknown): unknown => {
    if (!isObj(source) || !isObj(source.Source)) return source;
    const type = typeof source.Source.Type === 'string' ? source.Source.Type.toLowerCase() : '';
    const params = source.Source.Params;
    if ((type !== 'local' && type !== 'localdirectory') || !isObj(params) || typeof params.SourcePath !== 'string') return source;
    if (params.SourcePath === '' || isAbsolute(params.SourcePath)) return source;
    return { ...source, Source: { ...source.Source, Params: { ...params, SourcePath: resolve(base, params.SourcePath) } } };
  };
  if (!Array.isArray(job.Tasks)) return job;
  const tasks = job.Tasks.map((t: unknown) => {
    if (!isObj(t)) return t;
    const out: Obj = { ...t };
    if (Array.isArray(t.InputSources)) out.InputSources = t.InputSources.map(fix);
    // The legacy wasm format names its modules as input sources in the engine params.
    if (isObj(t.Engine) && isObj(t.Engine.Params)) {
      const p: Obj = { ...t.Engine.Params };
      if (isObj(p.EntryModule)) p.EntryModule = fix(p.EntryModule);
      if (Array.isArray(p.ImportModules)) p.ImportModules = p.ImportModules.map(fix);
      out.Engine = { ...t.Engine, Params: p };
    }
    return out;
  });
  return { ...job, Tasks: tasks };
}

/** Submits; a rejected spec names the file it came from. */
export async function submit(client: Client, job: unknown, options: { force?: boolean | undefined; idempotencyKey?: string | undefined }, file?: string): Promise<SubmitResult> {
  try {
    return await client.submitJob(job, options);
  } catch (err) {
    if (file && isTahoError(err, 'TAHO_BAD_REQUEST')) {
      const e = err as TahoError;
      throw new TahoError('TAHO_BAD_REQUEST', `job spec ${file} is invalid: ${e.message}`, { hint: e.hint, details: e.details });
    }
    throw err;
  }
}

/** After submitting: what `bacalhau job run` prints, waiting (or following the logs) as asked. */
export async function followUp(io: CommandIO, client: Client, submitted: SubmitResult, options: FollowUpOptions): Promise<void> {
  const id = submitted.JobID;
  for (const w of submitted.Warnings ?? []) io.logToStderr(`Warning: ${w}`);
  let wait = options.wait || options.follow;
  if (!wait && client.inProcess) {
    io.logToStderr('taho: no server runs, so the job runs in this process and would stop when it exits: waiting for it (start `taho serve` to submit and return).');
    wait = true;
  }
  if (options.idOnly) {
    if (!options.json) io.log(id);
    if (!wait) {
      if (options.json) printJson(submitted);
      return;
    }
    // --follow still streams the logs (the id line comes first, so a script can read it).
    if (options.follow && !options.json) await streamLogs(client, id);
    const job = await waitQuietly(client, id);
    if (options.json) printJson({ ...submitted, Job: job });
    failIfFailed(job);
    return;
  }
  if (!wait) {
    if (options.json) printJson(submitted);
    else io.log(id);
    return;
  }
  if (options.json) {
    const job = await waitQuietly(client, id);
    failIfFailed(job);
    const stdout = options.printStdout ? await jobOutput(client, id) : undefined;
    // taho wasm run: the module's output rather than the whole job (whose spec holds the module).
    printJson(stdout ? { ...submitted, State: job.State, Stdout: stdout.stdout, Stderr: stdout.stderr } : { ...submitted, Job: job });
    return;
  }
  io.log(`Job successfully submitted. Job ID: ${id}`);
  let job: Job;
  if (options.follow) {
    io.log(`Waiting for logs... (Enter Ctrl+C to exit at any time, ${client.inProcess ? 'which stops the job: it runs in this process' : 'your job will continue running'}):`);
    io.log('');
    await streamLogs(client, id);
    job = await waitQuietly(client, id);
  } else {
    io.log(`Checking job status... (Enter Ctrl+C to exit at any time, ${client.inProcess ? 'which stops the job: it runs in this process' : 'your job will continue running'}):`);
    io.log('');
    job = await pollHistory(io, client, id);
  }
  let output: { stdout: string; stderr: string } | undefined;
  if (options.printStdout && !options.follow) output = await jobOutput(client, id);
  if (job.State.StateType === 'Failed') {
    if (output) writeOutput(output);
    failIfFailed(job);
  }
  if (job.State.StateType === 'Stopped') io.logToStderr(`The job was stopped${job.State.Message ? `: ${job.State.Message}` : ''}.`);
  io.log('');
  io.log('To get more details about the run, execute:');
  io.log(`\ttaho jobs describe ${id}`);
  io.log('');
  io.log('To get more details about the run executions, execute:');
  io.log(`\ttaho jobs executions ${id}`);
  if (job.Tasks[0]?.Publisher?.Type === 'local' && job.State.StateType === 'Completed') {
    io.log('');
    io.log('To see where the results are, execute:');
    io.log(`\ttaho jobs results ${id}`);
  }
  if (output) {
    io.log('');
    writeOutput(output);
  }
}

async function streamLogs(client: Client, id: string): Promise<void> {
  for await (const line of client.jobLogs(id, { follow: true })) (line.Type === 2 ? process.stderr : process.stdout).write(line.Line);
}

/** A wake-up for this job's changes, on the event stream's follow alone; live once `live` resolves. */
function jobChanges(client: Client, id: string): { live: Promise<void>; wait(): Promise<void>; stop(): void } {
  const stop = new AbortController();
  const waker = eventWaker(client, { kinds: ['job'], subject: id, after: 'latest', signal: stop.signal }, () => true);
  return { live: waker.live, wait: () => waker.wait(), stop: () => stop.abort() };
}

/** Prints each new event of the job's history (the version just submitted) until the job ends, woken by its events. */
export async function pollHistory(io: CommandIO, client: Client, id: string): Promise<Job> {
  const changes = jobChanges(client, id);
  try {
    await changes.live;
    const { Job: submitted } = await client.describeJob(id);
    let nextToken: string | undefined;
    for (;;) {
      const page = await client.jobHistory(id, { jobVersion: submitted.Version, nextToken });
      for (const h of page.Items) io.log(`${clockTime(h.Time).padEnd(10)}${h.Event.Topic.padEnd(16)}${h.Event.Message}`);
      if (page.NextToken === '') break;
      nextToken = page.NextToken;
      await changes.wait();
    }
    return (await client.describeJob(id)).Job;
  } finally {
    changes.stop();
  }
}

/** Waits for the job to reach a terminal state, printing nothing, woken by its events. */
export async function waitQuietly(client: Client, id: string): Promise<Job> {
  const changes = jobChanges(client, id);
  try {
    await changes.live;
    for (;;) {
      const { Job: job } = await client.describeJob(id);
      if (TERMINAL_JOB_STATES.has(job.State.StateType)) return job;
      await changes.wait();
    }
  } finally {
    changes.stop();
  }
}

export function failIfFailed(job: Job): void {
  if (job.State.StateType !== 'Failed') return;
  throw new TahoError('TAHO_JOB_FAILED', `job failed: ${job.State.Message ?? 'no reason given'}`, {
    hint: `\`taho jobs describe ${job.ID}\` shows its executions and their output.`,
    details: { JobID: job.ID, State: job.State },
  });
}

/** The stdout and stderr of the job's latest execution. */
export async function jobOutput(client: Client, id: string): Promise<{ stdout: string; stderr: string }> {
  const executions = await client.jobExecutions(id);
  const last = [...executions].sort((a, b) => a.CreateTime - b.CreateTime).at(-1);
  return { stdout: last?.RunOutput?.Stdout ?? '', stderr: last?.RunOutput?.stderr ?? '' };
}

function writeOutput(output: { stdout: string; stderr: string }): void {
  if (output.stdout) process.stdout.write(output.stdout.endsWith('\n') ? output.stdout : `${output.stdout}\n`);
  if (output.stderr) process.stderr.write(output.stderr.endsWith('\n') ? output.stderr : `${output.stderr}\n`);
}
