import { hash as digestOf, randomBytes } from 'node:crypto';
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import type { Scope } from './scopes.js';

export interface KeyRecord {
  readonly name: string;
  readonly hash: string;
  readonly scopes: readonly Scope[];
}

export interface Principal {
  readonly name: string;
  readonly scopes: readonly Scope[];
}

/** Bounds the memory a flood of random keys can take in the negative cache. */
const MAX_REJECTED = 10_000;

/**
 * API keys checked against argon2id hashes. argon2 costs ≈ 17 ms a verify on purpose, so a key
 * is verified once and then recognized by its SHA-256 digest: the plain key is never kept.
 */
export class ApiKeys {
  readonly #keys: readonly KeyRecord[];
  readonly #accepted = new Map<string, Principal>();
  readonly #rejected = new Set<string>();
  readonly #pending = new Map<string, Promise<Principal | undefined>>();
  #checks = 0;

  constructor(keys: readonly KeyRecord[]) {
    this.#keys = keys;
  }

  get size(): number {
    return this.#keys.length;
  }

  /** How many presented keys were checked with argon2 (each at most once, however often it is sent). */
  get checks(): number {
    return this.#checks;
  }

  /** The principal of a key verified before, without any argon2 work; undefined otherwise. */
  known(presented: string): Principal | undefined {
    return this.#accepted.get(digestOf('sha256', presented, 'base64'));
  }

  /** The principal a presented key belongs to, or undefined. */
  verify(presented: string): Promise<Principal | undefined> | Principal | undefined {
    // One-shot crypto.hash: the cheapest SHA-256 Node has for a short string.
    const digest = digestOf('sha256', presented, 'base64');
    const hit = this.#accepted.get(digest);
    if (hit) return hit;
    if (this.#rejected.has(digest)) return undefined;
    let running = this.#pending.get(digest);
    if (!running) {
      running = this.#check(presented, digest).finally(() => this.#pending.delete(digest));
      this.#pending.set(digest, running);
    }
    return running;
  }

  async #check(presented: string, digest: string): Promise<Principal | undefined> {
    this.#checks += 1;
    for (const key of this.#keys) {
      let ok = false;
      try {
        ok = await argonVerify(key.hash, presented);
      } catch {
        ok = false;
      }
      if (ok) {
        const principal = { name: key.name, scopes: key.scopes };
        this.#accepted.set(digest, principal);
        return principal;
      }
    }
    if (this.#rejected.size >= MAX_REJECTED) this.#rejected.clear();
    this.#rejected.add(digest);
    return undefined;
  }
}

export interface GeneratedKey {
  readonly key: string;
  readonly hash: string;
  readonly scopes: readonly Scope[];
}

/** A new random key and its argon2id hash (OWASP's profile, @node-rs/argon2's defaults). */
export async function generateKey(scopes: readonly Scope[]): Promise<GeneratedKey> {
  const key = `taho_${randomBytes(32).toString('base64url')}`;
  // 2 = Argon2id; the package's Algorithm enum is an ambient const enum, unusable under verbatimModuleSyntax.
  const hash = await argonHash(key, { algorithm: 2 });
  return { key, hash, scopes };
}
