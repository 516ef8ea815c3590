import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli, tempDir, type CliResult } from './helpers.js';
import { startServer, type Server } from './server-helpers.js';

// The jobs commands driven as a user would: real child processes, once with jobs running inside
// the CLI process (no server) and once against a real `taho serve` (--url).

const SPEC = join(ROOT, 'examples', 'jobs', 'hello-wasi.yaml');
const WASM = join(ROOT, 'examples', 'jobs', 'wasm', 'hello-wasi.wasm');
const JOB_ID = /Job successfully submitted\. Job ID: (j-[0-9a-f-]+)/;

const noStack = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

interface Mode {
  readonly name: string;
  readonly server: boolean;
}

describe.each<Mode>([
  { name: 'in-process (no server)', server: false },
  { name: 'against a server (--url)', server: true },
])('taho jobs, $name', { timeout: 90_000 }, ({ server: withServer }) => {
  // The CLI's own data directory; with a server, the CLI must not use it for jobs.
  const dataDir = tempDir('taho-jobs-cli-');
  let server: Server | undefined;
  const url = (): string[] => (server ? ['--url', server.url] : []);
  const cli = (args: string[], options: { cwd?: string } = {}): Promise<CliResult> =>
    runCli([...args, ...url()], { env: { TAHO_DATA_DIR: dataDir }, ...(options.cwd ? { cwd: options.cwd } : {}) });

  let specJob = '';

  beforeAll(async () => {
    if (withServer) server = await startServer({ dataDir: tempDir('taho-jobs-server-') });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('runs the example spec: the submitted line, each event, the describe hint', async () => {
    // From another directory: the spec's relative SourcePath is resolved against the spec's own.
    const r = await cli(['jobs', 'run', SPEC], { cwd: tempDir() });
    expect(r.stderr).not.toContain('Error');
    expect(r.exitCode, r.stderr).toBe(0);
    specJob = JOB_ID.exec(r.stdout)?.[1] ?? '';
    expect(specJob).not.toBe('');
    expect(r.stdout).toMatch(/^\d\d:\d\d:\d\d {2}Submission {6}Job submitted$/m);
    expect(r.stdout).toMatch(/State Update\s+Completed/);
    expect(r.stdout).toContain(`To get more details about the run, execute:\n\ttaho jobs describe ${specJob}`);
  });

  it('prints only the job id with --id-only (the same job, a new version with --force)', async () => {
    const r = await cli(['jobs', 'run', SPEC, '--id-only', '--force']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(specJob);
  });

  it('refuses the same spec again without --force', async () => {
    const r = await cli(['jobs', 'run', SPEC]);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('no changes detected for new job spec');
    expect(r.stderr).toContain('Hint: Use the --force flag');
  });

  it('wasm run sends the module inline and finally prints its stdout', async () => {
    const r = await cli(['wasm', 'run', WASM, 'a', 'b', '-e', 'NAME=cli']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(JOB_ID);
    expect(r.stdout).toMatch(/hello from wasm job a b\nhello, cli!\n?$/);
    expect(r.stderr).toContain('a line on stderr from the wasm job');
  });

  it('wasm run of a failing module exits 1 saying the job failed', async () => {
    const r = await cli(['wasm', 'run', WASM, 'fail']);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/State Update\s+Failed/);
    expect(r.stderr).toContain('Error: job failed: exited with code 3');
    expect(r.stderr).toMatch(/^Hint: `taho jobs describe j-/m);
    expect(r.stdout).not.toContain('To get more details about the run');
    noStack(r.stderr);
  });

  it('lists the jobs', async () => {
    const [r, j] = await Promise.all([cli(['jobs', 'list']), cli(['jobs', 'list', '--json', '--limit', '1'])]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ID\s+NAME\s+TYPE\s+STATE\s+CREATED$/m);
    expect(r.stdout).toMatch(new RegExp(`^${specJob.slice(0, 10)}\\s+hello-wasi\\s+batch\\s+Completed\\s`, 'm'));
    expect(r.stdout).toMatch(/\sbatch\s+Failed\s/);
    const page = JSON.parse(j.stdout) as { Items: { ID: string }[]; NextToken: string };
    expect(page.Items).toHaveLength(1);
    expect(page.NextToken).not.toBe('');
  });

  it('describes a job by a short id: sections and its output', async () => {
    const [r, json] = await Promise.all([cli(['jobs', 'describe', specJob.slice(0, 10)]), cli(['jobs', 'describe', specJob, '--json'])]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^ID\\s+= ${specJob}$`, 'm'));
    expect(r.stdout).toMatch(/^State\s+= Completed$/m);
    expect(r.stdout).toMatch(/^Version\s+= 2$/m);
    expect(r.stdout).toMatch(/^Summary\nCompleted : 1$/m);
    expect(r.stdout).toMatch(/^Job History\nTIME\s+TOPIC\s+EVENT$/m);
    expect(r.stdout).toMatch(/^Executions\nID\s+NODE ID\s+STATE\s+DESIRED\s+REV\.\s+CREATED\s+MODIFIED\s+COMMENT\ne-[0-9a-f]{8}\s+n-[0-9a-f]{8}\s+Completed\s+Stopped\s/m);
    expect(r.stdout).toContain('Standard Output\nhello from wasm job from yaml\nhello, taho!');
    const j = JSON.parse(json.stdout) as { Job: { ID: string; State: { StateType: string } }; Executions: { Items: unknown[] } };
    expect(j.Job).toMatchObject({ ID: specJob, State: { StateType: 'Completed' } });
    expect(j.Executions.Items).toHaveLength(1);
  });

  it('prints the logs: stdout to stdout, stderr to stderr', async () => {
    const r = await cli(['jobs', 'logs', specJob]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('hello from wasm job from yaml\nhello, taho!');
    expect(r.stderr).toBe('a line on stderr from the wasm job');
  });

  it('lists executions, history and results', async () => {
    const [e, h, res] = await Promise.all([cli(['jobs', 'executions', specJob]), cli(['jobs', 'history', specJob]), cli(['jobs', 'results', specJob])]);
    expect(e.stdout).toMatch(/^e-[0-9a-f]{8}\s+n-[0-9a-f]{8}\s+Completed\s/m);
    expect(h.stdout).toMatch(/^TIME\s+LEVEL\s+EXEC\. ID\s+TOPIC\s+EVENT$/m);
    expect(h.stdout).toMatch(/Execution\s+e-[0-9a-f]{8}\s+Execution\s+Completed successfully/);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toContain(`/jobs/${specJob}/e-`);
  });

  it('explains a job and lists the nodes', async () => {
    const [x, n] = await Promise.all([cli(['jobs', 'explain', specJob]), cli(['nodes', 'list'])]);
    expect(x.exitCode, x.stderr).toBe(0);
    expect(x.stdout).toContain(`Job ${specJob} is Completed`);
    expect(x.stdout).toMatch(/^n-[0-9a-f]{8}\s+accepts\s/m);
    expect(n.exitCode, n.stderr).toBe(0);
    expect(n.stdout).toMatch(/^n-[0-9a-f-]+\s+Compute\s+APPROVED\s+CONNECTED\s.*\s\d+[smhd] ago$/m);
  });

  it('errors: unknown job, bad spec, missing file', async () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'Type: bogus\nCount: -1\nTasks: []\n');
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'Type: [batch\n');
    const [u, b, y, m] = await Promise.all([
      cli(['jobs', 'describe', 'j-0000dead']),
      cli(['jobs', 'run', bad]),
      cli(['jobs', 'run', broken]),
      cli(['jobs', 'run', join(dir, 'missing.yaml')]),
    ]);

    expect(u.exitCode, u.stderr).toBe(2);
    expect(u.stderr).toContain('Error: job not found: j-0000dead');
    expect(u.stderr).toMatch(/^Hint: .+/m);
    noStack(u.stderr);

    expect(b.exitCode, b.stderr).toBe(2);
    expect(b.stderr).toContain(`Error: job spec ${bad} is invalid:`);
    expect(b.stderr).toContain('invalid job type: "bogus"');
    expect(b.stderr).toContain('Count must be an integer ≥ 0, got -1');
    expect(b.stderr).toContain('missing job tasks');
    expect(b.stderr).toContain('Hint:');

    expect(y.exitCode, y.stderr).toBe(2);
    expect(y.stderr).toMatch(/Error: job spec .*broken\.yaml is not valid YAML or JSON: .+ at line \d+, column \d+/);

    expect(m.exitCode, m.stderr).toBe(2);
    expect(m.stderr).toMatch(/Error: job spec .*missing\.yaml does not exist/);
    noStack(m.stderr);
  });

  if (!withServer) {
    it('a job whose CLI process was killed is settled by the next command: re-queued, never left Running', async () => {
      const child = execa(process.execPath, [BIN, 'wasm', 'run', WASM, 'loop', '--json'], { env: { TAHO_DATA_DIR: dataDir, NO_COLOR: '1' }, reject: false });
      let id = '';
      while (!id) {
        await sleep(100);
        const list = await cli(['jobs', 'list', '--json', '--limit', '100']);
        const running = (JSON.parse(list.stdout) as { Items: { ID: string; State: { StateType: string }; Tasks: { Engine: { Params: { Parameters?: string[] } } }[] }[] }).Items
          .find((j) => j.State.StateType === 'Running' && j.Tasks[0]?.Engine.Params.Parameters?.[0] === 'loop');
        id = running?.ID ?? '';
      }
      expect(id).not.toBe('');
      child.kill('SIGKILL');
      await child;
      const d = await cli(['jobs', 'describe', id, '--json']);
      const job = JSON.parse(d.stdout) as { Job: { State: { StateType: string } }; History: { Items: { Event: { Message: string } }[] }; Executions: { Items: { ComputeState: { StateType: number; Message: string } }[] } };
      expect(job.Job.State.StateType).toBe('Queued');
      expect(job.Executions.Items[0]?.ComputeState).toEqual({ StateType: 10, Message: 'the server stopped while it ran' });
      expect(job.History.Items.map((h) => h.Event.Message)).toContain('Job re-queued: the server stopped while it ran');
      // The next process that runs jobs picks it up again; stop it rather than loop.
      expect((await cli(['jobs', 'stop', id])).exitCode).toBe(0);
    }, 60_000);

    it('--no-wait without a server says so and waits anyway', async () => {
      const r = await cli(['wasm', 'run', WASM, '--no-wait']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toContain('no server runs, so the job runs in this process');
      expect(r.stdout).toContain('hello from wasm job');
    });
  }

  if (withServer) {
    it('--no-wait returns with the id; logs -f stops on Ctrl-C; stop makes it Stopped', async () => {
      const r = await cli(['wasm', 'run', WASM, 'loop', '--no-wait']);
      expect(r.exitCode, r.stderr).toBe(0);
      const id = r.stdout.trim();
      expect(id).toMatch(/^j-[0-9a-f-]+$/);

      const x = await cli(['jobs', 'explain', id.slice(0, 10)]);
      expect(x.stdout).toMatch(new RegExp(`^Job ${id} is (Pending|Running)$`, 'm'));
      expect(x.stdout).toContain('Summary: ');

      const follow = execa(process.execPath, [BIN, 'jobs', 'logs', id, '-f', ...url()], { reject: false, cwd: ROOT, env: { NO_COLOR: '1', TAHO_DATA_DIR: dataDir } });
      // Once it says it follows (its Ctrl-C handler is in place), it must stay until interrupted.
      let said = '';
      follow.stderr?.on('data', (d: Buffer) => {
        said += d.toString();
      });
      while (!said.includes('following the logs') && follow.exitCode === null) await sleep(50);
      expect(said).toContain(`following the logs of ${id}`);
      await sleep(300);
      expect(follow.exitCode).toBeNull();
      follow.kill('SIGINT');
      const f = await follow;
      expect(f.exitCode, String(f.stderr)).toBe(0);
      noStack(String(f.stderr));

      const s = await cli(['jobs', 'stop', id, '--reason', 'enough']);
      expect(s.exitCode, s.stderr).toBe(0);
      expect(s.stdout).toMatch(/^Job stop successfully submitted with evaluation ID: v-/);
      const d = JSON.parse((await cli(['jobs', 'describe', id, '--json'])).stdout) as { Job: { State: { StateType: string; Message?: string } } };
      expect(d.Job.State).toEqual({ StateType: 'Stopped', Message: 'enough' });
    });
  }
});
