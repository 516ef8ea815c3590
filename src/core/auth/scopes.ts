import type { SCOPES } from '../config/schema.js';

export type Scope = (typeof SCOPES)[number];

/** What a request needs: a scope, or nothing (health, readiness, metrics when public). */
export type Requirement = Scope | 'public';

/** `admin` implies every other scope. */
export function grants(granted: readonly Scope[], required: Scope): boolean {
  return granted.includes('admin') || granted.includes(required);
}
