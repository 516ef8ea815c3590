import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from './load.js';

function dirWith(toml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'taho-config-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  if (toml !== undefined) writeFileSync(join(dir, 'config.toml'), toml);
  return dir;
}

const sourceOf = (r: ReturnType<typeof loadConfig>, key: string) => r.entries.find((e) => e.key === key);

describe('loadConfig', () => {
  it('uses the defaults when there is no file, env or flag', () => {
    const r = loadConfig({ cwd: dirWith(), env: {} });
    expect(r.file).toBeUndefined();
    expect(r.config.http.port).toBe(9481);
    expect(r.config.http.bind).toBe('127.0.0.1');
    expect(r.config.http.base_url).toBe('http://127.0.0.1:9481/api');
    expect(r.config.limits.request_timeout_ms).toBe(30000);
    expect(r.config.http.cors.enabled).toBe(true);
    expect(sourceOf(r, 'http.port')).toEqual({ key: 'http.port', value: 9481, source: 'default' });
  });

  it('merges defaults < file < env < flags and reports each source', () => {
    const cwd = dirWith('data_dir = "state"\n[http]\nport = 9000\nbind = "127.0.0.2"\n[limits]\ninvoke_timeout_ms = 5\n');
    const r = loadConfig({
      cwd,
      env: { TAHO__HTTP__PORT: '9100', TAHO__LIMITS__INVOKE_TIMEOUT_MS: '7', UNRELATED: 'x' },
      flags: { 'http.port': 9200 },
    });
    expect(r.config.http.port).toBe(9200);
    expect(r.config.http.bind).toBe('127.0.0.2');
    expect(r.config.limits.invoke_timeout_ms).toBe(7);
    expect(r.config.data_dir).toBe(join(cwd, 'state'));
    expect(sourceOf(r, 'http.port')?.source).toBe('flag');
    expect(sourceOf(r, 'http.bind')).toMatchObject({ source: 'file', origin: join(cwd, 'config.toml') });
    expect(sourceOf(r, 'limits.invoke_timeout_ms')).toMatchObject({ source: 'env', origin: 'TAHO__LIMITS__INVOKE_TIMEOUT_MS' });
    expect(sourceOf(r, 'limits.body_limit_bytes')?.source).toBe('default');
  });

  it('reads env values as TOML values, falling back to strings', () => {
    const r = loadConfig({
      cwd: dirWith(),
      env: { TAHO__HTTP__BIND: '0.0.0.0', TAHO__HTTP__CORS__ORIGINS: '["https://a.example"]', TAHO__HTTP__TLS_ENABLE: 'true' },
    });
    expect(r.config.http.bind).toBe('0.0.0.0');
    expect(r.config.http.cors.origins).toEqual(['https://a.example']);
    expect(r.config.http.tls_enable).toBe(true);
  });

  it('resolves repository paths against the config file directory', () => {
    const cwd = dirWith('[[repositories]]\npath = "components"\n[[repositories]]\npath = "/abs/repo"\n');
    const r = loadConfig({ cwd, env: {} });
    expect(r.config.repositories).toEqual([{ path: join(cwd, 'components') }, { path: '/abs/repo' }]);
  });

  it('reports every problem at once, naming key, place and what is allowed', () => {
    const cwd = dirWith('[http]\nport = "abc"\nprt = 1\n[limits]\nrequest_timeout_ms = -5\n');
    const err = (() => {
      try {
        loadConfig({ cwd, env: { TAHO__HTTP__CORS__METHODS: '["GET","FETCH"]' } });
      } catch (e) {
        return e as { code: string; message: string; hint: string };
      }
      throw new Error('expected an error');
    })();
    const file = join(cwd, 'config.toml');
    expect(err.code).toBe('TAHO_CONFIG_INVALID');
    expect(err.message).toContain(`${file}: [http] port: expected number, got "abc"`);
    expect(err.message).toMatch(/\[http\] prt: unknown key \(allowed here: bind, port, base_url/);
    expect(err.message).toContain(`${file}: [limits] request_timeout_ms: must be >0, got -5`);
    expect(err.message).toContain('TAHO__HTTP__CORS__METHODS: [http.cors] methods item 2: must be one of "GET"');
    expect(err.message).toContain(`got "FETCH"`);
    expect(err.hint).toContain('taho config');
  });

  it('points at the line of a TOML syntax error', () => {
    const cwd = dirWith('[http]\nport = = 3\n');
    expect(() => loadConfig({ cwd, env: {} })).toThrow(/config\.toml:2:\d+: not valid TOML/);
  });

  it('requires an explicit --config file to exist', () => {
    expect(() => loadConfig({ cwd: dirWith(), env: {}, configFile: 'missing.toml' })).toThrow(/missing\.toml does not exist/);
  });
});
