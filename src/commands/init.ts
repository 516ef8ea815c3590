import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import TOML from '@iarna/toml';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { TahoError } from '../cli/errors.js';

/** A TOML basic string (JSON's escapes are a subset TOML accepts). */
function tomlString(value: string): string {
  return JSON.stringify(value);
}

function nextSteps(bin: string): string[] {
  return [
    'Next steps:',
    `  ${bin} serve                      # in another terminal: agents run their rounds only while a server runs`,
    `  ${bin} spawn worker1 --cli claude # an agent (presets: claude, codex, aider, gemini, or [town.presets.NAME] command = "…")`,
    `  ${bin} assign worker1 "write the release notes"`,
    `  ${bin} status --tasks             # the agents, their inboxes and the tasks`,
  ];
}

export default class Init extends BaseCommand<typeof Init> {
  static override summary = 'Create a town: write ./config.toml with a [town] section';
  static override description = 'Writes ./config.toml (or the file given with --config) with `[town] name = "<name>"`, the name defaulting to the current directory\'s. An existing file is never changed: when it has no [town] section, the lines to add are printed instead.';
  static override aliases = ['town:init'];
  static override examples = ['<%= config.bin %> init', '<%= config.bin %> init --name my-town'];
  static override flags = {
    name: Flags.string({ description: 'the town\'s name (default: the current directory\'s name)' }),
  };

  async run(): Promise<void> {
    const file = resolve(this.flags.config ?? 'config.toml');
    const name = this.flags.name ?? (basename(process.cwd()) || 'taho');
    if (name.length < 1 || name.length > 64) {
      throw new TahoError('TAHO_BAD_ARGUMENTS', `the town name '${name}' is ${name.length} characters long; it takes 1 to 64`, { hint: 'Give a shorter name with --name.' });
    }
    const section = ['[town]', `name = ${tomlString(name)}`];
    if (existsSync(file)) {
      const existing = this.#townOf(file);
      if (existing === undefined) {
        throw new TahoError('TAHO_CONFLICT', `${file} already exists and has no [town] section; it was not changed`, {
          hint: `Add these lines to it:\n\n${section.join('\n')}\n`,
          details: { file, add: `${section.join('\n')}\n` },
        });
      }
      this.output({ file, created: false, name: existing }, () => [`${file} already defines the town '${existing}'; nothing to do.`, '', ...nextSteps(this.config.bin)].join('\n'));
      return;
    }
    writeFileSync(file, `${section.join('\n')}\n`, { flag: 'wx' });
    this.output({ file, created: true, name }, () => [`Created ${file} for the town '${name}'.`, '', ...nextSteps(this.config.bin)].join('\n'));
  }

  /** The town's name when the file has a [town] section (the default name when it sets none). */
  #townOf(file: string): string | undefined {
    let parsed: Record<string, unknown>;
    try {
      parsed = TOML.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new TahoError('TAHO_CONFIG_INVALID', `${file} already exists and is not valid TOML: ${(err as Error).message}`, { hint: 'Fix or move the file, then run init again.' });
    }
    const town = parsed['town'];
    if (typeof town !== 'object' || town === null) return undefined;
    const name = (town as Record<string, unknown>)['name'];
    return typeof name === 'string' ? name : 'taho';
  }
}
