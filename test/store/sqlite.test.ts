import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStores } from '../../src/core/store/open.js';
import { describeStore } from './conformance.js';

describeStore('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'taho-store-'));
  return {
    open: (o) => openStores({ dataDir: dir, sync: 'normal', keepBelowSnapshot: o?.keepBelowSnapshot }),
    destroy: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
