import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { ServerOptions } from 'node:https';
import type { TahoConfig } from '../core/config/schema.js';
import { TahoError } from '../core/errors.js';

/**
 * The HTTPS options of [http]: files read and checked now, so a missing, unreadable or
 * mismatched certificate stops the start with the file's name instead of failing a handshake later.
 */
export function tlsOptions(http: TahoConfig['http']): ServerOptions {
  const read = (key: 'cert_file' | 'key_file' | 'ca_file'): Buffer | undefined => {
    const file = http[key];
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      throw new TahoError('TAHO_UNSAFE_CONFIG', `[http] ${key} = "${file}" cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
        hint: 'Point it at a readable PEM file.',
      });
    }
  };
  const cert = read('cert_file');
  const key = read('key_file');
  const ca = read('ca_file');
  try {
    createSecureContext({ cert, key, ...(ca ? { ca } : {}) });
  } catch (err) {
    throw new TahoError('TAHO_UNSAFE_CONFIG', `[http] cert_file "${http.cert_file}" / key_file "${http.key_file}"${ca ? ` / ca_file "${http.ca_file}"` : ''} are not a usable TLS identity: ${(err as Error).message}`, {
      hint: 'The certificate and key must be PEM and belong together (`openssl x509 -noout -modulus` and `openssl rsa|ec -noout …` should agree).',
    });
  }
  return {
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(ca ? { ca } : {}),
    requestCert: http.client_auth !== 'none',
    rejectUnauthorized: http.client_auth === 'require',
  };
}
