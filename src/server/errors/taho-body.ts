import type { TahoError } from '../../core/errors.js';

/** TAHO's error body: `{"error": {"code", "message", "hint"}}` (wire/taho.md). */
export function tahoErrorBody(err: TahoError): { error: { code: string; message: string; hint?: string; details?: unknown } } {
  return { error: err.toJSON() };
}

export const tahoErrorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        hint: { type: 'string' },
        details: {},
      },
    },
  },
} as const;
