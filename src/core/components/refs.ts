import { ambiguousId } from '../errors.js';
import { looksLikeIdPrefix, matchIdPrefix } from '../../shared/ids.js';
import type { ComponentEntry, ComponentRegistry } from './registry.js';

/** A component by a short id: the same rule as every other kind (unique prefix, else ambiguous). */
export function componentByPrefix(registry: ComponentRegistry, ref: string): ComponentEntry | undefined {
  if (!looksLikeIdPrefix(ref)) return undefined;
  const found = matchIdPrefix(ref, registry.list(), (e) => e.id).found;
  if (found.length > 1) throw ambiguousId('component', ref, found.map((e) => e.id));
  return found[0];
}
