import { readFileSync } from 'node:fs';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { TahoError } from '../../cli/errors.js';
import { followUp, submit } from '../jobs/run.js';

const TARGET = '/wasm/main.wasm';

export default class WasmRun extends BaseCommand<typeof WasmRun> {
  static override summary = 'Run a WASI module as a job (sent inline), wait for it, and print its output';
  static override description = 'The module is sent inline (a data: URL), so it needs no shared path on the node. Arguments after the module are its argv.';
  static override examples = [
    '<%= config.bin %> wasm run examples/jobs/wasm/hello-wasi.wasm world',
    '<%= config.bin %> wasm run module.wasm -e NAME=taho --timeout 30 -- --an-argument',
  ];
  static override usage = 'wasm run MODULE [ARGS...] [-e NAME=VALUE]... [--entry-point <value>] [--timeout <seconds>] [--[no-]wait] [--id-only]';
  static override strict = false;
  static override args = {
    module: Args.string({ description: 'the WebAssembly module (.wasm, WASI preview 1)', required: true }),
    args: Args.string({ description: 'arguments passed to the module' }),
  };
  static override flags = {
    'entry-point': Flags.string({ description: 'the function to run', default: '_start' }),
    env: Flags.string({ char: 'e', description: 'an environment variable NAME=VALUE (repeatable)', multiple: true }),
    timeout: Flags.integer({ description: 'execution timeout in seconds (default: the node\'s)', min: 1 }),
    wait: Flags.boolean({ description: 'wait for the job (--no-wait prints the job id and returns; needs a server)', default: true, allowNo: true }),
    'id-only': Flags.boolean({ description: 'print only the job id', default: false }),
  };

  async run(): Promise<void> {
    const [file = '', ...params] = this.positional;
    const bytes = readModule(file);
    const env = parseEnv(this.flags.env ?? []);
    const job = {
      Type: 'batch',
      Count: 1,
      Tasks: [{
        Name: 'main',
        Engine: { Type: 'wasm', Params: { EntryModule: TARGET, Entrypoint: this.flags['entry-point'], Parameters: params } },
        ...(Object.keys(env).length > 0 ? { Env: env } : {}),
        InputSources: [{ Target: TARGET, Source: { Type: 'inline', Params: { URL: `data:application/wasm;base64,${bytes.toString('base64')}` } } }],
        ...(this.flags.timeout ? { Timeouts: { ExecutionTimeout: this.flags.timeout } } : {}),
      }],
    };
    const client = await this.client();
    const submitted = await submit(client, job, {});
    await followUp(this, client, submitted, { wait: this.flags.wait, idOnly: this.flags['id-only'], follow: false, json: this.flags.json, printStdout: true });
  }
}

function readModule(file: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TahoError('TAHO_BAD_ARGUMENTS', code === 'ENOENT' ? `module ${file} does not exist` : `cannot read module ${file}: ${(err as Error).message}`, {
      hint: 'Give the path of a WASI module (.wasm), e.g. examples/jobs/wasm/hello-wasi.wasm.',
    });
  }
  if (bytes.length < 8 || bytes.readUInt32BE(0) !== 0x0061736d) {
    throw new TahoError('TAHO_BAD_ARGUMENTS', `${file} is not a WebAssembly module (no \\0asm header)`, { hint: 'Give a compiled .wasm file, not .wat or a component source.' });
  }
  return bytes;
}

function parseEnv(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new TahoError('TAHO_BAD_ARGUMENTS', `--env ${JSON.stringify(pair)} is not NAME=VALUE`, { hint: 'For example: -e NAME=taho -e DEBUG=1.' });
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}
