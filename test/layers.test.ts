import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

// The dependency rule of ../shared/style.md, checked on every import of src/.
const ALLOWED: Record<string, readonly string[]> = {
  core: ['core', 'shared'],
  shared: ['shared'],
  client: ['client', 'core', 'shared'],
  server: ['server', 'core', 'shared'],
  cli: ['cli', 'client', 'core', 'shared'],
  ui: ['ui', 'client', 'shared'],
  commands: ['commands', 'cli', 'client', 'ui', 'shared'],
};
// `serve` is the server's composition root: the one command that starts src/server.
const EXCEPTIONS = new Set(['commands/serve.ts -> server']);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? files(p) : /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : [];
  });
}

describe('layers', () => {
  it('every import in src/ follows the dependency rule', () => {
    const src = join(ROOT, 'src');
    const violations: string[] = [];
    for (const file of files(src)) {
      const rel = relative(src, file);
      const layer = rel.split('/')[0] ?? '';
      if (!(layer in ALLOWED)) continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^(?:import|export)\s(?:type\s)?[^'"]*?from\s+'(\.[^']+)'/gm)) {
        const target = relative(src, resolve(file, '..', m[1] ?? ''));
        const to = target.split('/')[0] ?? '';
        const typeOnly = /^import\s+type\s|^export\s+type\s/.test(m[0]);
        if (ALLOWED[layer]?.includes(to) || EXCEPTIONS.has(`${rel} -> ${to}`)) continue;
        // ui may see core types, never core code.
        if (layer === 'ui' && to === 'core' && typeOnly) continue;
        // the HTTP client takes its types from the server's route schemas, never server code (style.md: "server types only").
        if (layer === 'client' && to === 'server' && typeOnly) continue;
        violations.push(`${rel} imports ${target}`);
      }
      if (layer === 'core' && /from '(fastify|@oclif\/core|ink|react|@fastify\/[^']+)'/.test(text)) violations.push(`${rel} imports a framework`);
    }
    expect(violations).toEqual([]);
  });

  it('only the store names a database: node:sqlite and ioredis are imported under core/store/ alone, its adapters by nothing else', () => {
    const src = join(ROOT, 'src');
    const violations: string[] = [];
    for (const file of files(src)) {
      const rel = relative(src, file);
      if (rel.startsWith('core/store/')) continue;
      const text = readFileSync(file, 'utf8');
      if (/from '(node:sqlite|ioredis)'/.test(text)) violations.push(`${rel} imports a database client`);
      for (const m of text.matchAll(/from\s+'(\.[^']+)'/g)) {
        const target = relative(src, resolve(file, '..', m[1] ?? ''));
        if (/^core\/store\/(sqlite|redis)\//.test(target)) violations.push(`${rel} imports ${target} (use the store factory, core/store/open.ts)`);
      }
    }
    expect(violations).toEqual([]);
  });
});
