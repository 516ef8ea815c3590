import { TahoError } from '../errors.js';
import type { TahoConfig } from '../config/schema.js';
import { isLoopback } from '../../shared/net.js';

/**
 * Refuses set-ups that would expose the server unprotected or half-configured, before anything
 * binds. Every problem is reported at once, each with what to do instead.
 */
export function checkServeSafety(config: TahoConfig): void {
  const { http } = config;
  const problems: string[] = [];
  const auth = http.auth;
  if (auth.mode === 'none' && !isLoopback(http.bind)) {
    problems.push(`[http] bind = "${http.bind}" with [http.auth] mode = "none" would serve every API to the network without authentication; bind 127.0.0.1, or set mode = "api_key" with keys from \`taho auth gen-key\``);
  }
  if (auth.mode === 'oidc') {
    problems.push('[http.auth] mode = "oidc" is not supported yet; use mode = "api_key" (keys from `taho auth gen-key`)');
  }
  if (auth.mode === 'api_key' && auth.keys.length === 0 && auth.api_key_hash === undefined) {
    problems.push('[http.auth] mode = "api_key" needs api_key_hash or at least one [[http.auth.keys]]; `taho auth gen-key` prints both');
  }
  if (!http.http_enable && !http.tls_enable) problems.push('[http] http_enable and tls_enable are both false: nothing would be served');
  if (http.tls_enable) {
    if (http.cert_file === undefined) problems.push('[http] tls_enable = true needs cert_file (PEM certificate chain)');
    if (http.key_file === undefined) problems.push('[http] tls_enable = true needs key_file (PEM private key)');
  }
  if (http.client_auth !== 'none' && http.ca_file === undefined) {
    problems.push(`[http] client_auth = "${http.client_auth}" needs ca_file, the CA that client certificates must chain to`);
  }
  if (http.client_auth !== 'none' && !http.tls_enable) problems.push(`[http] client_auth = "${http.client_auth}" needs tls_enable = true`);
  if (problems.length > 0) {
    throw new TahoError('TAHO_UNSAFE_CONFIG', `refusing to start:\n  ${problems.join('\n  ')}`, {
      hint: 'Fix the settings above in config.toml (or TAHO__HTTP__… variables); docs/security.md explains each.',
      details: problems,
    });
  }
}

/** Keys configured either way (Tinytown's single hash, or named keys), as one list. */
export function configuredKeys(config: TahoConfig): { name: string; hash: string; scopes: TahoConfig['http']['auth']['api_key_scopes'] }[] {
  const { auth } = config.http;
  return [
    ...(auth.api_key_hash === undefined ? [] : [{ name: 'default', hash: auth.api_key_hash, scopes: auth.api_key_scopes }]),
    ...auth.keys,
  ];
}
