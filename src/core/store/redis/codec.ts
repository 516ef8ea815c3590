import type { NewEvent, TahoEvent } from '../ports/events.js';

/** An event as stored: the same JSON body the SQLite adapter keeps, the id beside it. */
export function eventBody(e: NewEvent, at: string): string {
  return JSON.stringify({ kind: e.kind, type: e.type, subject: e.subject, at, data: e.data });
}

export function storedEvents(bodies: readonly string[], ids: readonly unknown[]): TahoEvent[] {
  return bodies.map((b, i) => ({ id: Number(ids[i]), ...(JSON.parse(b) as Omit<TahoEvent, 'id'>) }));
}

export type Entry = [id: string, fields: string[]];

/** Stream entries (`<id>-0`, field `b`) as events. */
export function fromEntries(entries: readonly Entry[]): TahoEvent[] {
  return entries.map(([id, fields]) => ({ id: Number.parseInt(id, 10), ...(JSON.parse(fields[1] ?? '{}') as Omit<TahoEvent, 'id'>) }));
}


/**
 * A JSON object whose number field `field` is known only inside the script (a seq, a SeqNum):
 * the text before and after the number, so Lua splices it in without decoding or re-encoding
 * the body (cjson would turn `[]` into `{}` and reformat numbers). `first`: the field leads, as in
 * `{ SeqNum, ...h }`; otherwise it ends the object, as in `{ ...entry, seq }`.
 */
export function numberSlot(obj: Readonly<Record<string, unknown>>, field: string, first = false): [string, string] {
  const { [field]: _, ...rest } = obj;
  const s = JSON.stringify(rest);
  if (s === '{}') return [`{"${field}":`, '}'];
  return first ? [`{"${field}":`, `,${s.slice(1)}`] : [`${s.slice(0, -1)},"${field}":`, '}'];
}
