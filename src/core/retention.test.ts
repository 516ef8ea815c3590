import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Retention, type RetentionPolicy } from './retention.js';
import { openStores } from './store/open.js';
import type { Stores } from './store/ports/index.js';
import type { Job } from './jobs/model.js';

const open: { dir: string; stores: Stores }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.stores.close();
    rmSync(o.dir, { recursive: true, force: true });
  }
});

function setup(policy: Partial<RetentionPolicy>) {
  const dir = mkdtempSync(join(tmpdir(), 'taho-retention-'));
  const stores = openStores({ dataDir: dir, sync: 'normal' });
  open.push({ dir, stores });
  const retention = new Retention(() => stores, { eventsKeep: 0, eventsKeepForMs: 0, outputsKeepForMs: 0, ...policy }, dir);
  return { dir, stores, retention };
}

const event = (subject: string) => ({ kind: 'service' as const, type: 't', subject, data: {} });

/** Waits for the clock to pass `iso` (a millisecond at most): events after it carry a later time. */
function past(iso: string): string {
  let now = new Date().toISOString();
  while (now <= iso) now = new Date().toISOString();
  return now;
}

function job(id: string, state: Job['State']['StateType'], modifiedMs: number): Job {
  return {
    ID: id, Name: id, Namespace: 'default', Type: 'batch', Priority: 0, Count: 1, Constraints: [], Meta: {}, Labels: {},
    Tasks: [{ Name: 'main', Engine: { Type: 'wasm' } }], State: { StateType: state }, Version: 1, Revision: 1,
    CreateTime: modifiedMs * 1e6, ModifyTime: modifiedMs * 1e6,
  };
}

describe('retention', () => {
  it('keeps the newest [events] keep events, however many came', async () => {
    const { stores, retention } = setup({ eventsKeep: 5 });
    await stores.events.append(Array.from({ length: 12 }, (_, i) => event(`s${i}`)));
    expect(await retention.sweep()).toMatchObject({ events: 7 });
    expect((await stores.events.read(0)).map((e) => e.subject)).toEqual(['s7', 's8', 's9', 's10', 's11']);
    await stores.events.append([event('s12')]);
    await retention.sweep();
    expect((await stores.events.read(0)).map((e) => e.subject)).toEqual(['s8', 's9', 's10', 's11', 's12']);
  });

  it('trims events older than [events] keep_for, found by a search over ids', async () => {
    const { stores, retention } = setup({ eventsKeepForMs: 60_000 });
    const old = await stores.events.append(Array.from({ length: 37 }, (_, i) => event(`old${i}`)));
    const split = past(old.at(-1)?.at ?? '');
    past(split);
    await stores.events.append(Array.from({ length: 5 }, (_, i) => event(`new${i}`)));
    // As if a minute had passed since the split: everything before it is too old.
    expect(await retention.sweep(Date.parse(split) + 60_000)).toMatchObject({ events: 37 });
    expect((await stores.events.read(0)).map((e) => e.subject)).toEqual(['new0', 'new1', 'new2', 'new3', 'new4']);
    expect(await retention.sweep(Date.parse(split) + 60_000)).toMatchObject({ events: 0 });
  });

  it('deletes the outputs of jobs finished before [jobs] keep_outputs_for, and only those', async () => {
    const { dir, stores, retention } = setup({ outputsKeepForMs: 3_600_000 });
    const now = Date.now();
    const jobs = [job('j-old-done', 'Completed', now - 7_200_000), job('j-old-running', 'Running', now - 7_000_000), job('j-new-done', 'Failed', now - 60_000)];
    await stores.jobs.commit({ jobs: jobs.map((j) => ({ job: j, newVersion: true })) });
    for (const j of jobs) {
      mkdirSync(join(dir, 'jobs', j.ID, 'e-1'), { recursive: true });
      writeFileSync(join(dir, 'jobs', j.ID, 'e-1', 'stdout'), 'x'.repeat(1000));
    }
    expect(retention.outputsBytes(now)).toBe(3000);
    expect(await retention.sweep(now)).toMatchObject({ outputs: 1 });
    expect(jobs.map((j) => existsSync(join(dir, 'jobs', j.ID)))).toEqual([false, true, true]);
    expect(await stores.jobs.job('j-old-done')).toBeDefined();
    expect(retention.outputsBytes(now + 61_000)).toBe(2000);
    // The running one finishes later: its change moves it past the sweep's cursor, to be seen again.
    await stores.jobs.commit({ jobs: [{ job: { ...(jobs[1] as Job), State: { StateType: 'Completed' }, Revision: 2, ModifyTime: (now - 5_000_000) * 1e6 } }] });
    expect(await retention.sweep(now)).toMatchObject({ outputs: 1 });
    expect(existsSync(join(dir, 'jobs', 'j-old-running'))).toBe(false);
  });
});
