import { BaseCommand } from '../../cli/base-command.js';
import { table } from '../../cli/output.js';
import type { NodeState } from '../../client/contract.js';
import { age, ms } from '../../shared/time.js';

export default class NodesList extends BaseCommand<typeof NodesList> {
  static override summary = 'List the compute nodes: state, labels, capacity, running executions, last heartbeat';
  static override examples = ['<%= config.bin %> nodes list', '<%= config.bin %> nodes list --json'];

  async run(): Promise<void> {
    const nodes = await (await this.client()).nodes();
    this.output(nodes, () => (nodes.length === 0
      ? 'There are no compute nodes.'
      : table(['ID', 'TYPE', 'APPROVAL', 'STATUS', 'LABELS', 'CPU', 'MEMORY', 'ENGINES', 'RUNNING', 'LAST SEEN'], nodes.map((n) => nodeRow(n)))));
  }
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

export function nodeRow(n: NodeState, now = Date.now()): string[] {
  const info = obj(n.Info);
  const seen = ms(String(obj(n.ConnectionState).LastHeartbeat ?? ''));
  const compute = obj(info.ComputeNodeInfo);
  const max = obj(compute.MaxCapacity);
  const avail = obj(compute.AvailableCapacity);
  const labels = Object.entries(obj(info.Labels)).map(([k, v]) => `${k}=${String(v)}`).join(' ');
  const cpu = (r: Obj): string => (num(r.CPU) === undefined ? '?' : String(Math.round((num(r.CPU) ?? 0) * 100) / 100));
  const engines = Array.isArray(compute.ExecutionEngines) ? compute.ExecutionEngines.join(',') : '';
  return [
    String(info.NodeID ?? ''), String(info.NodeType ?? ''), String(n.Membership ?? ''), String(n.Connection ?? ''), labels,
    `${cpu(avail)} / ${cpu(max)}`, `${bytes(num(avail.Memory))} / ${bytes(num(max.Memory))}`, engines, String(compute.RunningExecutions ?? ''),
    seen === undefined ? '-' : `${age(seen, now)} ago`,
  ];
}

/** 1073741824 → "1 GiB". */
export function bytes(n: number | undefined): string {
  if (n === undefined) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${Math.round(v * 10) / 10} ${units[i]}`;
}
