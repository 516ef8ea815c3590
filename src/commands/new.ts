import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { KINDS, newComponent, type Kind } from '../client/build.js';

export default class New extends BaseCommand<typeof New> {
  static override summary = 'Start a TypeScript component: a WIT world, src/index.ts and what `taho build` needs';
  static override description = 'Writes <repository>/<domain>/<name>/ (wit/world.wit, src/index.ts, tsconfig.json, generated bindings). A service is stateless; an agent is a durable agent (Golem\'s snapshot interface) that also serves as a town agent; a job is a wasi:cli command. Nothing existing is overwritten. Without --dir the repository is the first one config.toml lists, else ./components (then config.toml is written to list it when there is none).';
  static override examples = [
    '<%= config.bin %> new demo/notes --kind agent',
    '<%= config.bin %> new shop/prices',
    '<%= config.bin %> new batch/resize --kind job --dir components',
  ];
  static override args = {
    id: Args.string({ description: 'the component id, <domain>/<name> (lower-case kebab words)', required: true }),
  };
  static override flags = {
    kind: Flags.string({ description: 'what the component is', options: [...KINDS], default: 'service' }),
    dir: Flags.string({ description: 'the repository to create it in' }),
  };

  async run(): Promise<void> {
    const r = await newComponent(await this.loadConfig(), { id: this.args.id, kind: this.flags.kind as Kind, dir: this.flags.dir, cwd: process.cwd() });
    this.output(r, () => [
      `Created ${r.kind} ${r.id} in ${r.project}/`,
      ...r.files.map((f) => `  ${f}`),
      ...(r.registered?.written ? [`Wrote ${r.registered.file}, listing its repository.`] : []),
      ...(r.registered && !r.registered.written ? [`taho does not serve this repository yet; add to ${r.registered.file}:`, ...r.registered.lines.map((l) => `  ${l}`)] : []),
      'Next steps:',
      ...r.next.map((s) => `  ${s}`),
    ].join('\n'));
  }
}
