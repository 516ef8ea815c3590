import { Command, Flags, type Interfaces } from '@oclif/core';
import { distance } from 'fastest-levenshtein';
import type { LoadedConfig } from '../core/config/load.js';
import { dataDirOf, readSources, type LoadConfigOptions, type Sources } from '../core/config/sources.js';
import { toTahoError } from '../core/errors.js';
import type { Client } from '../client/contract.js';
import { selectClient } from '../client/select.js';
import { printJson } from './output.js';
import { withProgress } from './progress.js';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>;

/**
 * Every taho command: global flags, the client, and the one place errors are rendered
 * (`Error:`/`Hint:` lines, or the error as JSON with --json; a stack only with DEBUG=taho).
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    config: Flags.string({ description: 'config file (default: ./config.toml)', env: 'TAHO_CONFIG', helpGroup: 'GLOBAL' }),
    // TAHO_DATA_DIR is read by the config loader, so `taho config` can say the value came from it.
    'data-dir': Flags.string({ description: 'data directory (default: .taho; env: TAHO_DATA_DIR)', helpGroup: 'GLOBAL' }),
    json: Flags.boolean({ description: 'print the result as JSON', default: false, helpGroup: 'GLOBAL' }),
    'api-key': Flags.string({ description: 'API key sent to a server (env: TAHO_API_KEY)', env: 'TAHO_API_KEY', helpGroup: 'GLOBAL' }),
    url: Flags.string({ description: 'a taho server to send the command to (default: the server of the data directory, if one runs)', env: 'TAHO_URL', helpGroup: 'GLOBAL' }),
  };

  protected flags!: BaseFlags<T>;
  protected args!: Interfaces.InferredArgs<T['args']>;
  /** Every positional argument, including those past the declared ones (for variadic commands). */
  protected positional: string[] = [];
  #client: Promise<Client> | undefined;
  #read: Sources | undefined;

  override async init(): Promise<void> {
    await super.init();
    const { args, argv, flags } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as BaseFlags<T>;
    this.args = args as Interfaces.InferredArgs<T['args']>;
    this.positional = argv.map(String);
  }

  /** Extra config values the command's own flags set (e.g. `serve --port` → `http.port`). */
  protected configFlags(): Record<string, unknown> {
    return {};
  }

  /** The config loader is imported on first use: the schema behind it (zod) costs ~0.1 s to load. */
  protected async loadConfig(): Promise<LoadedConfig> {
    const { loadConfig } = await import('../core/config/load.js');
    return loadConfig(this.#configOptions(), this.#sources());
  }

  /** The configuration as the sources say now (a server following its file reads them again). */
  protected async rereadConfig(): Promise<LoadedConfig> {
    const { loadConfig } = await import('../core/config/load.js');
    return loadConfig(this.#configOptions());
  }

  #configOptions(): LoadConfigOptions {
    return {
      configFile: this.flags.config,
      envAliases: { data_dir: 'TAHO_DATA_DIR' },
      flags: { data_dir: this.flags['data-dir'], ...this.configFlags() },
    };
  }

  /** The config file, environment and flags, read once whether the data directory or the whole configuration is asked for. */
  #sources(): Sources {
    this.#read ??= readSources(this.#configOptions());
    return this.#read;
  }

  protected client(): Promise<Client> {
    this.#client ??= selectClient({
      url: this.flags.url,
      apiKey: this.flags['api-key'],
      locate: () => dataDirOf(this.#sources()),
      load: () => this.loadConfig(),
      configFile: () => this.#sources().file,
      runtime: { isolation: 'inline', onTranspile: (label, ms) => this.logToStderr(transpiled(label, ms)) },
    });
    return this.#client;
  }

  protected output(data: unknown, human: () => string): void {
    if (this.flags.json) printJson(data);
    else this.log(human());
  }

  /** The next step a user would otherwise guess, on stderr so stdout stays the result (none with --json). */
  protected nextStep(line: string): void {
    if (!this.flags.json) this.logToStderr(`Next: ${line}`);
  }

  /** Runs `work`; still pending after ~300 ms, a spinner on a terminal says what it waits for (nothing when piped). */
  protected progress<T>(label: string, work: Promise<T>): Promise<T> {
    return withProgress(label, work);
  }

  protected override async catch(err: Interfaces.CommandError): Promise<void> {
    // A mistyped flag: the closest one instead of the whole help text.
    const unknown = (err as { flags?: unknown }).flags;
    if (err.message.startsWith('Nonexistent flag') && Array.isArray(unknown)) {
      const known = Object.keys({ ...this.ctor.flags, ...(this.ctor as unknown as typeof BaseCommand).baseFlags });
      this.logToStderr(`Error: unknown flag${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}`);
      const near = unknown.map((f) => closestFlag(String(f), known)).filter((f) => f !== undefined);
      this.logToStderr(`Hint: ${near.length > 0 ? `Did you mean ${near.join(', ')}? ` : ''}\`${this.config.bin} help ${this.id?.replaceAll(':', ' ') ?? ''}\` lists the flags.`);
      this.exit(2);
    }
    // oclif's own parse and exit errors carry their own wording and exit codes.
    if ('oclif' in err && !('code' in err && typeof err.code === 'string' && err.code.startsWith('TAHO_'))) {
      throw err;
    }
    const e = toTahoError(err);
    if (this.flags?.json) {
      printJson({ error: e.toJSON() });
    } else {
      this.logToStderr(`Error: ${e.message}`);
      if (e.hint) this.logToStderr(`Hint: ${e.hint}`);
    }
    if (process.env.DEBUG?.split(',').some((d) => d === 'taho' || d === '*')) this.logToStderr(String(e.stack ?? ''));
    this.exit(e.kind === 'user' ? 2 : 1);
  }

  protected override async finally(err: Error | undefined): Promise<void> {
    await (await this.#client?.catch(() => undefined))?.close();
    return super.finally(err);
  }
}

function closestFlag(typed: string, known: readonly string[]): string | undefined {
  const name = typed.replace(/^-+/, '').split('=')[0] ?? '';
  const best = known.map((k) => ({ k, d: distance(name, k) })).sort((a, b) => a.d - b.d)[0];
  return best && best.d <= Math.max(2, Math.floor(best.k.length / 3)) ? `--${best.k}` : undefined;
}

export function transpiled(label: string, ms: number): string {
  return `taho: transpiled ${label} in ${(ms / 1000).toFixed(1)} s (cached for next time)`;
}
