import { TahoError } from '../errors.js';
import type { Json } from '../values/plain.js';
import type { CallPlan } from './call-plan.js';
import type { CallFailure } from './executor.js';

/** The component returned `err(E)` from a `result<T, E>` function: E travels in `details.error`. */
export function componentError(label: string, payload: Json): TahoError {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return new TahoError('TAHO_COMPONENT_ERROR', `${label} returned an error: ${text}`, {
    hint: 'The component rejected the call; its error value is in `details.error`.',
    details: { error: payload },
  });
}

export function trapError(label: string, message: string, hint: string): TahoError {
  return new TahoError('TAHO_COMPONENT_TRAP', `${label} trapped: ${message.replace(/^wasm trap: /, '')}`, { hint });
}

/** A failed call as the error a user sees: the component's own error value, or a trap. */
export function failureToError(label: string, plan: CallPlan, failure: CallFailure, trapHint: string): TahoError {
  if (!failure.trap && plan.error) return componentError(label, plan.error(failure.payload));
  return trapError(label, failure.message, trapHint);
}
