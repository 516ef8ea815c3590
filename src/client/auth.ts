import { SCOPES } from '../core/config/schema.js';
import { generateKey, type GeneratedKey } from '../core/auth/api-keys.js';
import type { Scope } from '../core/auth/scopes.js';
import { TahoError } from '../core/errors.js';

export type { GeneratedKey } from '../core/auth/api-keys.js';

/** Parses `town.read,town:write` into scopes, refusing unknown ones by name. */
export function parseScopes(list: string): Scope[] {
  const scopes = list.split(',').map((s) => s.trim().replace(':', '.')).filter((s) => s !== '');
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0 || scopes.length === 0) {
    throw new TahoError('TAHO_BAD_REQUEST', `unknown scope${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ') || '(none given)'}`, {
      hint: `Scopes are ${SCOPES.join(', ')} (admin implies all).`,
    });
  }
  return [...new Set(scopes)] as Scope[];
}

/** A new key, made locally: the key is never sent anywhere, only its hash goes in config. */
export function newApiKey(scopes: readonly Scope[]): Promise<GeneratedKey> {
  return generateKey(scopes);
}
