import { TahoError } from '../core/errors.js';

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
