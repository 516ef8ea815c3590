import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { processRunning } from '../../src/shared/process.js';
import type { ClusterNode } from './nodes.js';
import { api, cli, taskStates, townCluster, townFixture } from './town-agents.js';
import { until } from '../until.js';

// A node's agents are settled by hand here (`node_lost = "keep"`), so `tt recover` and `tt
// reclaim` can be seen to find them; town-lease.test.ts covers the automatic way.
const fx = townFixture(['node_lost = "keep"']);
const cluster = townCluster(fx);

describe('the town on a three-node cluster', () => {
  it('each process agent runs its rounds on the node that spawned it, whichever node is asked', async () => {
    const nodes = cluster();
    for (const [i, n] of nodes.entries()) expect((await api(n.url, 'POST', '/v1/agents', { name: `n${i}`, cli: 'journal' })).status).toBe(201);
    const listed = await api(nodes[0]!.url, 'GET', '/v1/agents');
    expect(Object.fromEntries(listed.body.agents.map((a: { name: string; node: string }) => [a.name, a.node]))).toEqual({ n0: nodes[0]!.id, n1: nodes[1]!.id, n2: nodes[2]!.id });
    // Work assigned through another node than the agent's.
    for (let i = 0; i < 3; i++) {
      for (let k = 0; k < 3; k++) expect((await api(nodes[(i + 1) % 3]!.url, 'POST', '/v1/tasks/assign', { agent: `n${i}`, task: fx.quick(`q${i}-${k}`) })).status).toBe(201);
    }
    await until('9 tasks completed', async () => [...(await taskStates(nodes[1]!.url)).values()].filter((s) => s === 'completed').length === 9);
    const ends = fx.lines().filter((l) => l.what === 'end');
    expect(ends).toHaveLength(9);
    for (const l of ends) expect({ id: l.id, node: l.node }).toEqual({ id: l.id, node: nodes[Number(l.id[1])]!.id });

    // `tt list` through any node names each agent's node; a round's log is read on the agent's node.
    const status = await cli(nodes[2]!.url, 'list');
    expect(status.map((a: { name: string; node: string; tasks_completed: number }) => [a.name, a.node, a.tasks_completed]).sort()).toEqual([['n0', nodes[0]!.id, 3], ['n1', nodes[1]!.id, 3], ['n2', nodes[2]!.id, 3]]);
    const log = await api(nodes[0]!.url, 'GET', '/v1/agents/n2/logs');
    expect({ status: log.status, node: log.node }).toEqual({ status: 200, node: nodes[2]!.id });
    expect(log.body).toMatch(/done: q2-\d/);
  });

  it('a component agent\'s rounds run on the node that owns its durable agent\'s shard', async () => {
    const nodes = cluster();
    expect((await api(nodes[0]!.url, 'POST', '/v1/agents', { name: 'rev', cli: 'component:example/reviewer' })).status).toBe(201);
    const owner = (await api(nodes[1]!.url, 'GET', '/v1/components/example%2Freviewer/workers/rev')).node;
    for (const n of nodes) expect((await api(n.url, 'POST', '/v1/tasks/assign', { agent: 'rev', task: `check ${n.id}` })).status).toBe(201);
    const rev = await until('3 reviews completed', async () => {
      const a = (await api(nodes[2]!.url, 'GET', '/v1/agents')).body.agents.find((x: { name: string }) => x.name === 'rev');
      return (await cli(nodes[2]!.url, 'list')).find((x: { name: string; tasks_completed: number }) => x.name === 'rev' && x.tasks_completed === 3) ? a : undefined;
    });
    expect(rev.node).toBe(owner);
    const count = await api(nodes[2]!.url, 'POST', '/v1/components/example%2Freviewer/workers/rev/invoke-and-await?function=reviewed', { params: [] });
    expect(count.body).toMatchObject({ result: { value: 3 } });
  });

  it('kill -9 of a node whose agents hold 30 tasks: recover and reclaim (dry runs first) put every unfinished one in the backlog; each is run to its end once', async () => {
    const nodes = cluster();
    const victim = nodes[2]!;
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      expect((await api(victim.url, 'POST', '/v1/agents', { name: `v${i}`, cli: 'journal' })).status).toBe(201);
      // Two that finish, then eight that wait for the flag: one running, seven in the inbox.
      for (let k = 0; k < 10; k++) {
        const id = `t${i}-${k}`;
        ids.push(id);
        expect((await api(a.url, 'POST', '/v1/tasks/assign', { agent: `v${i}`, task: k < 2 ? fx.quick(id) : fx.hold(id) })).status).toBe(201);
      }
    }
    const held = await until('6 completed, 3 running', async () => {
      const s = await taskStates(a.url);
      const of = (state: string) => ids.filter((id) => s.get(id) === state);
      return of('completed').length === 6 && of('running').length === 3 && fx.lines().filter((l) => l.what === 'start' && of('running').includes(l.id)).length === 3 ? of('running') : undefined;
    });
    const orphans = fx.lines().filter((l) => l.what === 'start' && held.includes(l.id)).map((l) => l.pid);

    victim.signal('SIGKILL');
    await victim.exited;
    await until('the victim seen dead', async () => (await api(a.url, 'GET', '/v1/status')).body.nodes.find((n: { id: string }) => n.id === victim.id)?.alive === false);
    // Its rounds' processes outlived it (their own process groups): nothing has touched them yet.
    expect(orphans.every(processRunning)).toBe(true);

    const dry = await cli(b.url, 'recover', '--dry-run');
    expect(dry.dry_run).toBe(true);
    // Every agent of the dead node, the idle one (n2, from the first test) too: it would never run again.
    expect(dry.details.map((d: { name: string; reason: string; state: string }) => [d.name, d.reason, d.state]).sort()).toEqual([['n2', 'node_gone', 'Stopped'], ['v0', 'node_gone', 'Stopped'], ['v1', 'node_gone', 'Stopped'], ['v2', 'node_gone', 'Stopped']]);
    const states = async () => Object.fromEntries((await api(a.url, 'GET', '/v1/agents')).body.agents.map((x: { name: string; state: string }) => [x.name, x.state]));
    expect(await states()).toMatchObject({ n2: 'Idle', v0: 'Working', v1: 'Working', v2: 'Working' });

    const rec = await cli(b.url, 'recover');
    expect([...rec.agents].sort()).toEqual(['n2', 'v0', 'v1', 'v2']);
    expect(await states()).toMatchObject({ n2: 'Stopped', v0: 'Stopped', v1: 'Stopped', v2: 'Stopped', n0: 'Idle', n1: 'Idle' });
    // Stopped and waited for before its agent was marked: a reclaimed task never runs beside it.
    expect(orphans.some(processRunning)).toBe(false);

    const listed = await cli(a.url, 'reclaim');
    expect({ destination: listed.destination, reclaimed: listed.reclaimed, tasks: listed.tasks.length }).toEqual({ destination: 'Listed', reclaimed: 0, tasks: 24 });
    expect((await taskStates(a.url)).get(held[0]!)).toBe('running');
    const moved = await cli(b.url, 'reclaim', '--to-backlog');
    expect(moved.reclaimed).toBe(24);
    expect((await cli(a.url, 'reclaim', '--to-backlog')).reclaimed).toBe(0);

    const after = await taskStates(b.url);
    const backlog = (await api(a.url, 'GET', '/v1/backlog')).body.backlog.map((t: { description: string }) => t.description.split(' ')[1]);
    expect(ids.filter((id) => after.get(id) === 'completed')).toHaveLength(6);
    expect([...backlog].sort()).toEqual(ids.filter((id) => after.get(id) !== 'completed').sort());
    expect(ids.filter((id) => after.get(id) === 'pending')).toHaveLength(24);

    // A live node's agent takes them all and runs each to its end once.
    expect((await api(b.url, 'POST', '/v1/agents', { name: 'w', cli: 'journal' })).status).toBe(201);
    expect((await api(a.url, 'POST', '/v1/backlog/assign-all', { agent: 'w' })).body.assigned).toBe(24);
    writeFileSync(fx.flag, '');
    await until('all 30 completed', async () => {
      const s = await taskStates(a.url);
      return ids.every((id) => s.get(id) === 'completed');
    });
    const ends = fx.lines().filter((l) => l.what === 'end' && ids.includes(l.id));
    expect(ends.map((l) => l.id).sort()).toEqual([...ids].sort());
    expect(ends.filter((l) => l.node === victim.id).map((l) => l.id).sort()).toEqual(ids.filter((id) => Number(id.split('-')[1]) < 2).sort());
  });
});
