/** The error type commands throw; the base command renders it (commands do not reach into core). */
export { TahoError, isTahoError } from '../core/errors.js';
export { componentError } from '../core/services/failures.js';
