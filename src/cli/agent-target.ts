import { TahoError, toTahoError } from '../core/errors.js';

/** `<component>/<agent>`: the component by name (`example/counter`) or UUID, the agent last. */
export function parseAgentTarget(target: string): { component: string; agent: string } {
  const at = target.lastIndexOf('/');
  const component = target.slice(0, at);
  const agent = target.slice(at + 1);
  if (at <= 0 || agent === '') {
    throw new TahoError('TAHO_BAD_REQUEST', `"${target}" does not name an agent`, {
      hint: 'Name it as <component>/<agent>, e.g. example/counter/my-counter (the component by name or id).',
    });
  }
  return { component, agent };
}

/**
 * `example/counter increment 1` reads as component `example`, agent `counter`: when the whole
 * target is a component, say the agent's name is missing instead of "no component example".
 */
export async function agentTargetError(err: unknown, target: string, components: () => Promise<readonly { name: string }[]>): Promise<unknown> {
  if (toTahoError(err).code !== 'TAHO_COMPONENT_NOT_FOUND') return err;
  const known = await components().catch(() => []);
  if (!known.some((c) => c.name === target)) return err;
  return new TahoError('TAHO_BAD_REQUEST', `"${target}" is a component; name the agent too: ${target}/<agent>`, {
    hint: `For example \`taho agents invoke ${target}/my-agent …\`; an agent is created by its first invocation.`,
  });
}
