import { constraintRequirement, parseSelector } from './selector.js';
import { JOB_TYPES, type Constraint, type InputSource, type Job, type JobType, type Task } from './model.js';

/** A submitted job before it has an ID, state and times: what validation returns. */
export type JobDraft = Pick<Job, 'Name' | 'Namespace' | 'Type' | 'Priority' | 'Count' | 'Constraints' | 'Meta' | 'Labels' | 'Tasks'>;

export type Submission =
  | { readonly ok: true; readonly draft: JobDraft; readonly warnings: string[]; readonly translated: boolean }
  | { readonly ok: false; readonly errors: string[] };

export const ENGINES = ['wasm', 'exec', 'noop'] as const;
const PUBLISHERS = new Set(['', 'noop', 'local']);
const SOURCES = new Set(['inline', 'local', 'localdirectory']);
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
const DEFAULT_LEGACY_TARGET = '/wasm/entry.wasm';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates a submitted job as Bacalhau's `ValidateSubmission` does and fills defaults
 * (`Normalize`): every problem is reported at once, each naming the field. The legacy wasm
 * format (`EntryModule` as an input source, `EntryPoint`, `EnvironmentVariables`) is translated.
 */
export function validateSubmission(input: unknown): Submission {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (!isObj(input)) return { ok: false, errors: ['the job must be an object (the `Job` field of the request)'] };
  const type = input.Type;
  if (type === undefined || type === '') errors.push('missing job type');
  else if (typeof type !== 'string' || !JOB_TYPES.includes(type.toLowerCase() as JobType)) errors.push(`invalid job type: ${JSON.stringify(type)}`);
  const jobType = (typeof type === 'string' ? type.toLowerCase() : 'batch') as JobType;

  const count = input.Count ?? (jobType === 'batch' || jobType === 'service' ? 1 : 1);
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) errors.push(`Count must be an integer ≥ 0, got ${JSON.stringify(input.Count)}`);
  else if ((jobType === 'daemon' || jobType === 'ops') && count > 1) errors.push(`Count must be 0 or 1 for ${jobType} jobs, got ${count}`);
  const priority = input.Priority ?? 0;
  if (typeof priority !== 'number' || !Number.isInteger(priority)) errors.push(`Priority must be an integer, got ${JSON.stringify(input.Priority)}`);

  const name = input.Name ?? '';
  if (typeof name !== 'string' || name.length > 256) errors.push('Name must be a string of at most 256 characters');
  const namespace = input.Namespace === undefined || input.Namespace === '' ? 'default' : input.Namespace;
  if (typeof namespace !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(namespace)) errors.push(`Namespace must be letters, digits, ".", "_" or "-", got ${JSON.stringify(input.Namespace)}`);
  const labels = stringMap(input.Labels, 'Labels', errors);
  for (const key of Object.keys(labels)) {
    const parsed = parseSelector(key);
    if (typeof parsed === 'string' || parsed.length !== 1 || parsed[0]?.op !== 'exists') errors.push(`Labels: "${key}" is not a valid label key`);
  }
  const meta = stringMap(input.Meta, 'Meta', errors);

  const constraints: Constraint[] = [];
  if (input.Constraints !== undefined && input.Constraints !== null) {
    if (!Array.isArray(input.Constraints)) errors.push('Constraints must be a list of {Key, Operator, Values}');
    else input.Constraints.forEach((c, i) => {
      const at = `Constraints[${i}]`;
      if (!isObj(c)) return void errors.push(`${at} must be an object {Key, Operator, Values}`);
      const r = constraintRequirement(c as unknown as Constraint, at);
      if (typeof r === 'string') errors.push(r);
      else constraints.push({ Key: String(c.Key), Operator: String(c.Operator), Values: (c.Values as string[] | undefined) ?? [] });
    });
  }

  let translated = false;
  const tasks: Task[] = [];
  if (!Array.isArray(input.Tasks) || input.Tasks.length === 0) errors.push('missing job tasks');
  else if (input.Tasks.length > 1) errors.push(`only one task per job is supported, got ${input.Tasks.length}`);
  else {
    const t = validateTask(input.Tasks[0], 'Tasks[0]', errors, warnings);
    if (t) {
      tasks.push(t.task);
      translated = t.translated;
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    translated,
    warnings,
    draft: {
      Name: name as string, Namespace: namespace as string, Type: jobType, Priority: priority as number, Count: count as number,
      Constraints: constraints, Meta: meta, Labels: labels, Tasks: tasks,
    },
  };
}

function stringMap(v: unknown, field: string, errors: string[]): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) {
    errors.push(`${field} must be a map of strings`);
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') errors.push(`${field}.${k} must be a string, got ${JSON.stringify(x)}`);
    else out[k] = x;
  }
  return out;
}

function validateTask(raw: unknown, at: string, errors: string[], warnings: string[]): { task: Task; translated: boolean } | undefined {
  if (!isObj(raw)) {
    errors.push(`${at} must be an object`);
    return undefined;
  }
  const name = raw.Name ?? 'main';
  if (typeof name !== 'string' || name === '') errors.push(`${at}.Name must be a non-empty string`);
  const env = stringMap(raw.Env, `${at}.Env`, errors);
  const engine = raw.Engine;
  if (!isObj(engine) || typeof engine.Type !== 'string') {
    errors.push(`${at}.Engine.Type is required (one of ${ENGINES.join(', ')})`);
    return undefined;
  }
  const engineType = engine.Type.toLowerCase();
  if (!(ENGINES as readonly string[]).includes(engineType)) errors.push(`${at}.Engine.Type "${engine.Type}" is not supported; use one of ${ENGINES.join(', ')}`);
  let params: Obj = isObj(engine.Params) ? { ...engine.Params } : {};
  let inputs: InputSource[] = [];
  if (raw.InputSources !== undefined && raw.InputSources !== null) {
    if (!Array.isArray(raw.InputSources)) errors.push(`${at}.InputSources must be a list`);
    else inputs = raw.InputSources.map((s, i) => s as InputSource).filter((s, i) => validateInput(s, `${at}.InputSources[${i}]`, errors));
  }
  let translated = false;
  if (engineType === 'wasm') {
    const legacy = isObj(params.EntryModule) || 'EntryPoint' in params || 'EnvironmentVariables' in params || (Array.isArray(params.ImportModules) && params.ImportModules.some(isObj));
    if (legacy) {
      ({ params, inputs } = translateLegacyWasm(params, inputs, env, `${at}.Engine.Params`, errors));
      translated = true;
    }
    validateWasmParams(params, inputs, `${at}.Engine.Params`, errors);
  } else if (engineType === 'exec') {
    if (typeof params.Command !== 'string' || params.Command === '') errors.push(`${at}.Engine.Params.Command is required for the exec engine`);
    if (params.Arguments !== undefined && (!Array.isArray(params.Arguments) || !params.Arguments.every((a) => typeof a === 'string'))) errors.push(`${at}.Engine.Params.Arguments must be a list of strings`);
  }
  for (const k of Object.keys(env)) {
    if (!ENV_NAME.test(k)) errors.push(`${at}.Env: "${k}" must be upper case letters, digits and _, starting with a letter`);
    else if (k.startsWith('BACALHAU_') || k.startsWith('TAHO_')) errors.push(`${at}.Env: "${k}" is reserved`);
    else if (env[k]?.startsWith('env:')) errors.push(`${at}.Env.${k}: host variables ("env:NAME") are not passed to jobs; put the value itself`);
  }
  const publisher = raw.Publisher;
  if (publisher !== undefined && publisher !== null) {
    if (!isObj(publisher) || typeof publisher.Type !== 'string') errors.push(`${at}.Publisher must be {Type, Params}`);
    else if (!PUBLISHERS.has(publisher.Type.toLowerCase())) errors.push(`${at}.Publisher.Type "${publisher.Type}" is not supported; use local (results kept under the data directory) or noop`);
  }
  const timeouts = raw.Timeouts;
  if (timeouts !== undefined && timeouts !== null) {
    if (!isObj(timeouts)) errors.push(`${at}.Timeouts must be an object`);
    else for (const k of ['ExecutionTimeout', 'QueueTimeout', 'TotalTimeout']) {
      const v = timeouts[k];
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) errors.push(`${at}.Timeouts.${k} must be a number of seconds ≥ 0, got ${JSON.stringify(v)}`);
    }
  }
  const resources = raw.Resources;
  if (resources !== undefined && resources !== null) {
    if (!isObj(resources)) errors.push(`${at}.Resources must be an object`);
    else {
      if (resources.CPU !== undefined && resources.CPU !== '' && parseCpu(resources.CPU) === undefined) errors.push(`${at}.Resources.CPU: "${String(resources.CPU)}" is not a CPU amount (e.g. "500m", "1", "0.5")`);
      for (const k of ['Memory', 'Disk']) {
        const v = resources[k];
        if (v !== undefined && v !== '' && parseBytes(v) === undefined) errors.push(`${at}.Resources.${k}: "${String(v)}" is not a size (e.g. "512mb", "1gb", "256Mi")`);
      }
      if (resources.GPU !== undefined && resources.GPU !== '' && resources.GPU !== '0') errors.push(`${at}.Resources.GPU: no node offers GPUs`);
    }
  }
  const network = raw.Network;
  if (isObj(network) && typeof network.Type === 'string' && !['none', 'default', ''].includes(network.Type.toLowerCase())) {
    warnings.push(`${at}.Network.Type "${network.Type}": wasm jobs get no network; the job runs without it`);
  }
  const resultPaths = raw.ResultPaths;
  if (resultPaths !== undefined && resultPaths !== null && (!Array.isArray(resultPaths) || !resultPaths.every((r) => isObj(r) && typeof r.Name === 'string' && typeof r.Path === 'string'))) {
    errors.push(`${at}.ResultPaths must be a list of {Name, Path}`);
  }
  const task: Task = {
    Name: typeof name === 'string' ? name : 'main',
    Engine: { Type: engineType, Params: params },
    ...(isObj(publisher) ? { Publisher: { Type: String(publisher.Type).toLowerCase(), Params: isObj(publisher.Params) ? publisher.Params : {} } } : {}),
    ...(Object.keys(env).length > 0 ? { Env: env } : {}),
    ...(isObj(raw.Meta) ? { Meta: stringMap(raw.Meta, `${at}.Meta`, errors) } : {}),
    ...(inputs.length > 0 ? { InputSources: inputs } : {}),
    ...(Array.isArray(resultPaths) ? { ResultPaths: resultPaths as Task['ResultPaths'] } : {}),
    ...(isObj(resources) ? { Resources: resources as Task['Resources'] } : {}),
    ...(isObj(network) ? { Network: network as unknown as Task['Network'] } : {}),
    ...(isObj(timeouts) ? { Timeouts: timeouts as Task['Timeouts'] } : {}),
  };
  return { task, translated };
}

function validateInput(s: unknown, at: string, errors: string[]): boolean {
  if (!isObj(s) || !isObj(s.Source) || typeof s.Source.Type !== 'string') {
    errors.push(`${at} must be {Source: {Type, Params}, Target}`);
    return false;
  }
  if (typeof s.Target !== 'string' || !s.Target.startsWith('/') && s.Target !== '') {
    errors.push(`${at}.Target must be an absolute path inside the module's view, got ${JSON.stringify(s.Target)}`);
    return false;
  }
  const type = s.Source.Type.toLowerCase();
  if (!SOURCES.has(type)) {
    errors.push(`${at}.Source.Type "${s.Source.Type}" is not supported; use inline (a data: URL) or local (a path on the node)`);
    return false;
  }
  const params = isObj(s.Source.Params) ? s.Source.Params : {};
  if (type === 'inline' && (typeof params.URL !== 'string' || !params.URL.startsWith('data:'))) {
    errors.push(`${at}.Source.Params.URL must be a data: URL (data:application/wasm;base64,…)`);
    return false;
  }
  if (type !== 'inline' && (typeof params.SourcePath !== 'string' || params.SourcePath === '')) {
    errors.push(`${at}.Source.Params.SourcePath is required for a local source`);
    return false;
  }
  return true;
}

const stripSlash = (p: string): string => p.replace(/^\/+/, '');

function validateWasmParams(params: Obj, inputs: readonly InputSource[], at: string, errors: string[]): void {
  const entry = params.EntryModule;
  if (typeof entry !== 'string' || entry === '') {
    errors.push('invalid wasm engine entry module. target path cannot be empty');
    return;
  }
  if (!inputs.some((s) => stripSlash(s.Target) === stripSlash(entry))) {
    errors.push(`${at}.EntryModule "${entry}" must be the Target of one of the task's InputSources (targets: ${inputs.map((s) => s.Target).join(', ') || 'none'})`);
  }
  if (params.Entrypoint !== undefined && (typeof params.Entrypoint !== 'string' || params.Entrypoint === '')) errors.push(`${at}.Entrypoint must be a non-empty string`);
  if (params.Parameters !== undefined && params.Parameters !== null && (!Array.isArray(params.Parameters) || !params.Parameters.every((p) => typeof p === 'string'))) {
    errors.push(`${at}.Parameters must be a list of strings`);
  }
  if (Array.isArray(params.ImportModules) && params.ImportModules.length > 0) {
    errors.push(`${at}.ImportModules: linking extra modules is not supported yet; build one module`);
  }
}

/** Bacalhau's wasm_legacy.go: the entry module becomes an input source, EntryPoint becomes Entrypoint. */
function translateLegacyWasm(params: Obj, inputs: InputSource[], env: Record<string, string>, at: string, errors: string[]): { params: Obj; inputs: InputSource[] } {
  const out: Obj = {};
  const all = [...inputs];
  if (isObj(params.EntryModule)) {
    const source = params.EntryModule as unknown as InputSource;
    const target = typeof source.Target === 'string' && source.Target !== '' ? source.Target : DEFAULT_LEGACY_TARGET;
    const translated = { ...source, Target: target };
    if (validateInput(translated, `${at}.EntryModule`, errors)) all.push(translated);
    out.EntryModule = target;
  } else out.EntryModule = params.EntryModule;
  const entrypoint = params.EntryPoint ?? params.Entrypoint;
  if (entrypoint !== undefined) out.Entrypoint = entrypoint;
  if (params.Parameters !== undefined) out.Parameters = params.Parameters;
  if (isObj(params.EnvironmentVariables)) Object.assign(env, stringMap(params.EnvironmentVariables, `${at}.EnvironmentVariables`, errors));
  return { params: out, inputs: all };
}

/** "500m" → 0.5, "2" → 2; undefined when it is not a CPU amount. */
export function parseCpu(v: unknown): number | undefined {
  if (typeof v === 'number') return v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)(m?)\s*$/.exec(v);
  if (!m) return undefined;
  return Number(m[1]) / (m[2] === 'm' ? 1000 : 1);
}

const UNITS: Record<string, number> = {
  '': 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12,
  ki: 1024, kib: 1024, mi: 1024 ** 2, mib: 1024 ** 2, gi: 1024 ** 3, gib: 1024 ** 3, ti: 1024 ** 4, tib: 1024 ** 4,
};

/** "512mb", "1Gi", "2000" → bytes; undefined when it is not a size. */
export function parseBytes(v: unknown): number | undefined {
  if (typeof v === 'number') return v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(v);
  const unit = UNITS[(m?.[2] ?? '').toLowerCase()];
  if (!m || unit === undefined) return undefined;
  return Math.round(Number(m[1]) * unit);
}
