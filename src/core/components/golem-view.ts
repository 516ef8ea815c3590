import type { ComponentEntry } from './registry.js';
import type { WitFunction } from './wit-types.js';
import { toAnalysedType } from '../values/analysed.js';

/**
 * A component as Golem's `Component` (v1.3): identity, size and `metadata.exports` with analysed
 * types; `binaryWit` is base64 (see WitCache).
 */
export function componentView(e: ComponentEntry, binaryWit?: string): Record<string, unknown> {
  const world = e.signature.functions.filter((f) => f.iface === undefined);
  const ifaces = [...new Set(e.signature.functions.flatMap((f) => (f.iface ? [f.iface] : [])))];
  const fnView = (f: WitFunction) => ({
    name: f.name,
    parameters: f.params.map((p) => ({ name: p.name, typ: toAnalysedType(p.type) })),
    ...(f.result ? { result: { typ: toAnalysedType(f.result) } } : {}),
  });
  return {
    versionedComponentId: { componentId: e.id, version: 0 },
    componentName: `${e.domain}/${e.service}`,
    componentSize: e.size,
    metadata: {
      exports: [
        ...world.map((f) => ({ type: 'Function', ...fnView(f) })),
        ...ifaces.map((name) => ({ type: 'Instance', name, functions: e.signature.functions.filter((f) => f.iface === name).map(fnView) })),
      ],
      producers: [], memories: [], ...(binaryWit === undefined ? {} : { binaryWit }), dynamicLinking: {}, agentTypes: [],
    },
    createdAt: new Date(0).toISOString(),
    componentType: 'Durable',
    files: [], installedPlugins: [], env: {},
  };
}
