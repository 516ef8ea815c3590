import { isSharedStore, openStores } from '../store/open.js';

/**
 * A live node of the cluster on `storeUrl`, for a CLI command to talk to (a command never runs
 * durable agents itself while a node serves them: only the shard's owner may). Undefined when the
 * store is not shared, or no node is alive.
 */
export async function clusterNodeUrl(storeUrl: string | undefined, dataDir: string): Promise<string | undefined> {
  if (!isSharedStore(storeUrl)) return undefined;
  const stores = openStores({ url: storeUrl, dataDir, sync: 'normal' });
  try {
    if (!stores.cluster) return undefined;
    const live = (await stores.cluster.nodes()).filter((n) => n.alive && n.url !== '');
    // None alive: the command runs the runtime itself, holding the shards it needs while it runs.
    return live[Math.floor(Math.random() * live.length)]?.url;
  } finally {
    await stores.close();
  }
}
