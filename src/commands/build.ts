import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { buildComponents, watchComponents, type BuildReport } from '../client/build.js';
import { buildLines } from '../cli/build-view.js';

export default class Build extends BaseCommand<typeof Build> {
  static override summary = 'Build TypeScript components into their repository (type-check, bundle, componentize)';
  static override description = 'Builds the project at PATH (made by `taho new`), every project under PATH, or, without PATH, the project in the current directory or every project in the configured repositories. Writes <repository>/<domain>/<name>.wasm and reloads the server running on this data directory. Unchanged sources are not built again.';
  static override examples = ['<%= config.bin %> build', '<%= config.bin %> build components/demo/notes', '<%= config.bin %> build --watch'];
  static override args = {
    path: Args.string({ description: 'a project folder, or a folder holding projects' }),
  };
  static override flags = {
    watch: Flags.boolean({ description: 'build again after every change, until Ctrl-C', default: false }),
  };

  async run(): Promise<void> {
    const loaded = await this.loadConfig();
    const req = {
      path: this.args.path,
      cwd: process.cwd(),
      apiKey: this.flags['api-key'],
      onStep: this.flags.json ? undefined : (id: string, step: string) => this.logToStderr(`${id}: ${step}…`),
    };
    if (!this.flags.watch) {
      const report = await buildComponents(loaded, req);
      this.output(report, () => buildLines(report).join('\n'));
      return;
    }
    const watcher = await watchComponents(loaded, req, (r: BuildReport | Error) => {
      if (r instanceof Error) this.logToStderr(`Error: ${r.message}`);
      else this.output(r, () => buildLines(r).join('\n'));
    });
    this.logToStderr('watching for changes (Ctrl-C stops)');
    await new Promise<void>((resolve) => process.once('SIGINT', resolve));
    watcher.close();
  }
}
