import type { ComponentEntry } from '../components/registry.js';
import type { AgentRecord, HostRecord, OplogEntry } from '../store/ports/agents.js';
import { toAnalysedType, type AnalysedType } from '../values/analysed.js';
import { compileLift, type Json } from '../values/plain.js';
import { golemResult, toGolemValue, type ValueAndType } from '../values/typed.js';
import { planAll, type CallPlan } from '../services/call-plan.js';

/**
 * Golem's public oplog (v1.3 `PublicOplogEntry`), derived from taho's records: index 1 is the
 * agent's `Create`; each invocation becomes `ExportedFunctionInvoked`, one
 * `ImportedFunctionInvoked` per answer the host recorded (clock, random), then
 * `ExportedFunctionCompleted` or, for a trap, `Error`. Indices are stable because taho's
 * records never change once written.
 */
export type PublicOplogEntry = { readonly type: string; readonly timestamp: string } & Readonly<Record<string, unknown>>;

export interface PublicOplogPage {
  readonly entries: { readonly oplogIndex: number; readonly entry: PublicOplogEntry }[];
  /** Golem's `OplogCursor`: present when entries follow this page. */
  readonly next?: { readonly nextOplogIndex: number; readonly currentComponentVersion: number };
  readonly firstIndexInChunk: number;
  readonly lastIndex: number;
}

const U64: AnalysedType = { type: 'U64' };
const READ_LOCAL = { type: 'ReadLocal' } as const;
const DATETIME: AnalysedType = { type: 'Record', fields: [{ name: 'seconds', typ: U64 }, { name: 'nanoseconds', typ: { type: 'U32' } }] };

/** One page of the public oplog from index `from` (1-based, Golem's `OplogIndex::INITIAL`), at most `count` entries. */
export function publicOplogPage(entry: ComponentEntry, record: AgentRecord, records: readonly OplogEntry[], from: number, count: number): PublicOplogPage {
  const all = publicOplog(entry, record, records);
  const start = Math.max(1, from);
  const page = all.slice(start - 1, start - 1 + count);
  const after = start - 1 + page.length;
  return {
    entries: page.map((e, i) => ({ oplogIndex: start + i, entry: e })),
    ...(after < all.length ? { next: { nextOplogIndex: after + 1, currentComponentVersion: 0 } } : {}),
    firstIndexInChunk: start,
    lastIndex: all.length,
  };
}

function publicOplog(entry: ComponentEntry, record: AgentRecord, records: readonly OplogEntry[]): PublicOplogEntry[] {
  const plans = planAll(entry.signature.functions);
  const out: PublicOplogEntry[] = [{
    type: 'Create',
    timestamp: iso(record.createdAt),
    workerId: { componentId: entry.id, workerName: record.agent },
    componentVersion: 0,
    args: [...record.args],
    env: { ...record.env },
    projectId: '00000000-0000-0000-0000-000000000000',
    createdBy: 'taho',
    wasiConfigVars: [],
    componentSize: entry.size,
    initialTotalLinearMemorySize: 0,
    initialActivePlugins: [],
  }];
  for (const e of records) {
    const timestamp = iso(e.at);
    const plan = plans.get(e.fn);
    out.push({
      type: 'ExportedFunctionInvoked', timestamp, functionName: e.fn,
      request: plan ? request(plan, e.params) : [], idempotencyKey: e.key,
      traceId: '', traceStates: [], invocationContext: [],
    });
    for (const h of e.host) out.push({ type: 'ImportedFunctionInvoked', timestamp, ...hostCall(h), durableFunctionType: READ_LOCAL });
    if (e.kind === 'failed') {
      out.push({ type: 'Error', timestamp, error: e.error ? `${e.error.code}: ${e.error.message}` : 'failed', retryFrom: out.length + 1 });
    } else {
      const response = plan ? outcome(plan, e) : undefined;
      out.push({ type: 'ExportedFunctionCompleted', timestamp, ...(response ? { response } : {}), consumedFuel: 0 });
    }
  }
  return out;
}

/** The call's input, however the client shaped it, as one typed value per parameter. */
function request(plan: CallPlan, params: Json): ValueAndType[] {
  try {
    const args = plan.args(params);
    return plan.fn.params.map((p, i) => ({ typ: toAnalysedType(p.type), value: compileLift(p.type, 'golem')(args[i]) }));
  } catch {
    return []; // recorded under an older version of the component whose types differ
  }
}

function outcome(plan: CallPlan, e: OplogEntry): ValueAndType | undefined {
  const type = plan.fn.result;
  if (e.error && type?.kind === 'result') {
    return { typ: toAnalysedType(type), value: { err: type.err ? toGolemValue(type.err, e.result) : null } };
  }
  return golemResult(plan.fn, e.result);
}

/** A recorded host answer as the durable host function Golem names for it. */
function hostCall(h: HostRecord): { functionName: string; request: ValueAndType; response: ValueAndType } {
  const none: ValueAndType = { typ: { type: 'Tuple', items: [] }, value: [] };
  switch (h.k) {
    case 'wall': return { functionName: 'wall_clock::now', request: none, response: { typ: DATETIME, value: { seconds: Number(h.s), nanoseconds: h.ns } } };
    case 'mono': return { functionName: 'monotonic_clock::now', request: none, response: { typ: U64, value: wide(h.v) } };
    case 'u64': return { functionName: 'golem random::get_random_u64', request: none, response: { typ: U64, value: wide(h.v) } };
    case 'bytes': {
      const bytes = [...Buffer.from(h.v, 'base64')];
      return { functionName: 'golem random::get_random_bytes', request: { typ: U64, value: bytes.length }, response: { typ: { type: 'List', inner: { type: 'U8' } }, value: bytes } };
    }
  }
}

/** A u64 as taho's plain JSON writes one: a number while it is exact, else its decimal string. */
function wide(decimal: string): number | string {
  return BigInt(decimal) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(decimal) : decimal;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
