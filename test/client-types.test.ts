import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';
import { ROOT } from './helpers.js';

// The HTTP client is typed from the routes' response schemas, so a route whose answer drifts
// from what the Client promises breaks `npm run typecheck`. Proven here on the real sources: the
// town's contract table is compiled with two drifts (assign's answer loses agent_name; the task
// route is renamed) and the client must stop compiling at exactly the members that use them.
const TOWN = join(ROOT, 'src/server/contract/town.ts');
const CLIENT = join(ROOT, 'src/client/http.ts');

function clientErrors(patch: (source: string) => string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!config) throw new Error('tsconfig.json did not parse');
  const host = ts.createCompilerHost(config.options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, onError) => (file === TOWN ? ts.createSourceFile(file, patch(readFileSync(file, 'utf8')), language) : read(file, language, onError));
  const program = ts.createProgram({ rootNames: [CLIENT], options: { ...config.options, noEmit: true }, host });
  return ts.getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === CLIENT)
    .map((d) => `${(d.file?.getLineAndCharacterOfPosition(d.start ?? 0).line ?? 0) + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

function lineOf(text: string): number {
  return readFileSync(CLIENT, 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;
}

it('fails the type check where a route answer no longer matches the Client', () => {
  const drifted = (s: string): string => {
    const out = s
      .replace("'POST /v1/tasks/assign': { 201: obj({ task_id: STR, agent_id: STR, agent_name: STR }) }", "'POST /v1/tasks/assign': { 201: obj({ task_id: STR, agent_id: STR }) }")
      .replace("'GET /v1/tasks/:id': { 200: task }", "'GET /v1/task/:id': { 200: task }");
    expect(out).not.toBe(s); // the patch applies to today's table
    return out;
  };
  const errors = clientErrors(drifted);
  const at = (text: string): string => errors.filter((e) => e.startsWith(`${lineOf(text)}:`)).join('\n');
  expect(at("this.#call('POST /v1/tasks/assign'")).toMatch(/agent_name/);
  expect(at("this.#call('GET /v1/tasks/:id'")).toMatch(/"GET \/v1\/tasks\/:id"/);
  // Nothing else in the client depends on those two answers.
  expect(new Set(errors.map((e) => e.split(':')[0]))).toEqual(new Set([String(lineOf("this.#call('POST /v1/tasks/assign'")), String(lineOf("this.#call('GET /v1/tasks/:id'"))]));
}, 240_000);
