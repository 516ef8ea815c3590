import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';

export default class JobsLogs extends BaseCommand<typeof JobsLogs> {
  static override summary = 'Print a job\'s output: stdout to stdout, stderr to stderr';
  static override description = 'The latest execution of the job\'s current version, unless --execution-id names one. With --json, one JSON object per line ({"Type":1|2,"Line":…}).';
  static override examples = [
    '<%= config.bin %> jobs logs j-1a2b3c4d',
    '<%= config.bin %> jobs logs j-1a2b3c4d --follow',
    '<%= config.bin %> jobs logs j-1a2b3c4d --tail 20',
  ];
  static override args = { id: Args.string({ description: 'the job: its id, a unique id prefix, or its name', required: true }) };
  static override flags = {
    follow: Flags.boolean({ char: 'f', description: 'keep printing new lines until the execution ends (Ctrl-C to stop)', default: false }),
    'execution-id': Flags.string({ description: 'the execution (an id prefix)' }),
    tail: Flags.integer({ description: 'only the last N lines already written', min: 0 }),
  };

  async run(): Promise<void> {
    const abort = new AbortController();
    const onSigint = (): void => abort.abort();
    process.once('SIGINT', onSigint);
    if (this.flags.follow && !this.flags.json) this.logToStderr(`taho: following the logs of ${this.args.id} until the execution ends (Ctrl-C stops following)`);
    try {
      const lines = (await this.client()).jobLogs(this.args.id, {
        follow: this.flags.follow, executionId: this.flags['execution-id'], tail: this.flags.tail, signal: abort.signal,
      });
      for await (const line of lines) {
        if (this.flags.json) process.stdout.write(`${JSON.stringify({ Type: line.Type, Line: line.Line })}\n`);
        else (line.Type === 2 ? process.stderr : process.stdout).write(line.Line);
        if (abort.signal.aborted) break;
      }
    } finally {
      process.off('SIGINT', onSigint);
    }
  }
}
