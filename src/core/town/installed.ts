import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { TahoError } from '../errors.js';
import { splitCommand, type Preset } from './runner.js';

/**
 * Refuses to spawn an agent whose CLI is not installed: otherwise it is accepted and every round
 * then fails with exit 127, which is found much later and far from the cause.
 */
export function checkInstalled(cli: string, preset: Preset, cwd: string, path = process.env.PATH ?? ''): void {
  const program = splitCommand(preset.command)[0] as string;
  if (findProgram(program, cwd, path) !== undefined) return;
  throw new TahoError('TAHO_BAD_ARGUMENTS', `agent CLI '${cli}' is not installed: ${program} is not on PATH`, {
    hint: `Install ${program}, or spawn with another --cli (a [town.presets.NAME] command in config.toml, or component:<component>).`,
    details: { cli, program },
  });
}

function findProgram(program: string, cwd: string, path: string): string | undefined {
  const candidates = program.includes('/') ? [isAbsolute(program) ? program : resolve(cwd, program)] : path.split(delimiter).filter(Boolean).map((d) => join(d, program));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}
