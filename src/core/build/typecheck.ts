import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type TS from 'typescript';
import { TahoError } from '../errors.js';
import { CHECK_FIRST_LINE, type Bindings } from './bindings.js';
import type { Project } from './project.js';
import { loadTool } from './toolchain.js';

export interface Problem {
  readonly file: string;
  readonly line?: number | undefined;
  readonly column?: number | undefined;
  readonly message: string;
}

/**
 * Type-checks the project as its tsconfig says, with the generated bindings, and reports every
 * problem at once as `file:line:column: message`. Problems in generated/check.ts are the
 * world's contract broken, so they are told as such, at the export in src/index.ts.
 */
export async function typecheck(project: Project, bindings: Bindings, cwd: string): Promise<void> {
  const ts = (await loadTool<{ default: typeof TS }>('typescript', 'the TypeScript compiler')).default;
  const configPath = join(project.dir, 'tsconfig.json');
  const parsed = existsSync(configPath)
    ? ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })
    : undefined;
  const options: TS.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, skipLibCheck: true, types: [], ...parsed?.options };
  const checkFile = join(bindings.dir, 'check.ts');
  const roots = [...new Set([...(parsed?.fileNames ?? [project.entry]), ...bindings.files])];
  const program = ts.createProgram(roots, options);
  const checker = program.getTypeChecker();
  const implExports = new Map<string, TS.Symbol>();
  const entryFile = program.getSourceFile(project.entry);
  const entrySymbol = entryFile ? checker.getSymbolAtLocation(entryFile) : undefined;
  for (const s of entrySymbol ? checker.getExportsOfModule(entrySymbol) : []) implExports.set(s.getName(), s);

  const shown = (file: string): string => relative(cwd, file) || file;
  const problems: Problem[] = [...(parsed?.errors ?? []), ...ts.getPreEmitDiagnostics(program)].map((d): Problem => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n  ');
    if (!d.file || d.start === undefined) return { file: shown(configPath), message };
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    if (d.file.fileName !== checkFile) return { file: shown(d.file.fileName), line: line + 1, column: character + 1, message };
    const name = bindings.exports[line + 1 - CHECK_FIRST_LINE];
    if (name === undefined) return { file: shown(project.entry), message };
    const wit = bindings.witNames.get(name) ?? name;
    const impl = implExports.get(name);
    if (!impl) return { file: shown(project.entry), message: `does not export ${name}, which ${shown(project.witFile)} declares (${wit}); add \`export function ${name}(…)\` (or \`export const ${name} = {…}\` for an interface)` };
    const decl = impl.declarations?.[0];
    const at = decl ? decl.getSourceFile().getLineAndCharacterOfPosition(decl.getStart()) : undefined;
    return { file: shown(decl?.getSourceFile().fileName ?? project.entry), line: at ? at.line + 1 : undefined, column: at ? at.character + 1 : undefined, message: `${name} does not match ${wit} in ${shown(project.witFile)}: ${message}` };
  });
  if (problems.length > 0) {
    const lines = problems.map((p) => `${p.file}${p.line ? `:${p.line}:${p.column}` : ''}: ${p.message}`);
    throw new TahoError('TAHO_BUILD_FAILED', `${project.domain}/${project.name} does not type-check (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`, {
      hint: `Fix the code (or the WIT) and build again; nothing was written. generated/ holds the types taho checks against.`,
      details: { problems },
    });
  }
}
