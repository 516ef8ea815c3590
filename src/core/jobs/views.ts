import { arch, platform } from 'node:os';
import type { NodeSnapshot } from './compute.js';

/** Bacalhau's wire views of a node (wire/bacalhau.md §5), shared by the routes and the in-process client. */
export function buildVersion(version: string): Record<string, string> {
  const [major, minor] = version.split('.');
  return { Major: major ?? '0', Minor: minor ?? '0', GitVersion: `v${version}`, GitCommit: '', BuildDate: '', GOOS: platform(), GOARCH: arch() === 'x64' ? 'amd64' : arch() };
}

export function nodeInfo(n: NodeSnapshot, version: string): Record<string, unknown> {
  const res = (r: NodeSnapshot['max']) => ({ CPU: r.CPU, Memory: r.Memory, Disk: r.Disk, GPU: r.GPU });
  return {
    NodeID: n.id, NodeType: 'Compute', Labels: n.labels, SupportedProtocols: ['ncl/v1'],
    ComputeNodeInfo: {
      ExecutionEngines: n.engines, Publishers: ['local', 'noop'], StorageSources: ['inline', 'local'],
      MaxCapacity: res(n.max), QueueCapacity: {}, AvailableCapacity: res(n.available), MaxJobRequirements: res(n.max),
      RunningExecutions: n.running, EnqueuedExecutions: 0, address: n.address ?? '127.0.0.1',
    },
    BacalhauVersion: buildVersion(version),
  };
}

export function nodeState(n: NodeSnapshot, version: string): Record<string, unknown> {
  const now = new Date().toISOString();
  const seen = n.lastSeen === undefined ? now : new Date(n.lastSeen).toISOString();
  return {
    Info: nodeInfo(n, version), Membership: 'APPROVED', Connection: n.connected ? 'CONNECTED' : 'DISCONNECTED',
    ConnectionState: { Status: n.connected ? 'CONNECTED' : 'DISCONNECTED', LastHeartbeat: seen, ConnectedSince: now },
  };
}

