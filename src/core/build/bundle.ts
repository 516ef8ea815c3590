import { relative } from 'node:path';
import type * as Esbuild from 'esbuild';
import { TahoError } from '../errors.js';
import { interfaceKey } from '../components/host.js';
import type { Project } from './project.js';
import type { Problem } from './typecheck.js';
import { loadTool } from './toolchain.js';

/**
 * One ES module with everything src/index.ts uses, as componentize-js wants it. What the world
 * imports (`wasi:cli/environment@0.2.3`) stays an import: the engine binds it to the host. Any
 * other import must be bundled; a Node built-in or an interface the world does not import
 * cannot be, and is refused at the line that asks for it.
 */
export async function bundle(project: Project, worldImports: readonly string[], cwd: string): Promise<string> {
  const esbuild = await loadTool<typeof Esbuild>('esbuild', 'the bundler (esbuild)');
  const imported = new Set(worldImports.flatMap((i) => [i, interfaceKey(i)]));
  const refuse: Esbuild.Plugin = {
    name: 'taho-imports',
    setup(build) {
      build.onResolve({ filter: /^[a-z][a-z0-9-]*:/ }, (args) => {
        if (imported.has(args.path)) return { path: args.path, external: true };
        const why = args.path.startsWith('node:')
          ? `a component cannot import ${args.path}: it runs in a WebAssembly engine, not in Node`
          : `${args.path} is not imported by ${relative(cwd, project.witFile)}; add \`import ${args.path};\` to the world (taho must be able to provide it)`;
        return { errors: [{ text: why }] };
      });
    },
  };
  let result: Esbuild.BuildResult<{ write: false }>;
  try {
    result = await esbuild.build({
      entryPoints: [project.entry],
      absWorkingDir: project.dir,
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      mainFields: ['module', 'main'],
      logLevel: 'silent',
      plugins: [refuse],
    });
  } catch (err) {
    const errors = (err as { errors?: Esbuild.Message[] }).errors ?? [];
    const problems: Problem[] = errors.map((e) => ({
      file: e.location ? relative(cwd, `${project.dir}/${e.location.file}`) : relative(cwd, project.entry),
      line: e.location?.line,
      column: e.location ? e.location.column + 1 : undefined,
      message: e.text,
    }));
    const lines = problems.map((p) => `${p.file}${p.line ? `:${p.line}:${p.column}` : ''}: ${p.message}`);
    throw new TahoError('TAHO_BUILD_FAILED', `${project.domain}/${project.name} cannot be bundled:\n${lines.join('\n') || String(err)}`, {
      hint: 'A component holds all its code: import only relative files, npm packages installed beside the project, and what its WIT world imports. Nothing was written.',
      details: { problems },
    });
  }
  return result.outputFiles[0]?.text ?? '';
}
