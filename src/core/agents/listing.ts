import type { AgentStore, AgentSummary } from '../store/ports/agents.js';
import type { AgentInfo } from './info.js';

/** A page's size when the caller names none (Golem's default count too). */
export const DEFAULT_AGENT_PAGE = 100;

export interface AgentListQuery {
  /** A component's id (resolved by the caller); absent: every component. */
  readonly componentId?: string | undefined;
  /** The `next` of the previous page; absent or 0: from the first agent. */
  readonly after?: number | undefined;
  readonly limit: number;
  readonly match?: ((a: AgentInfo) => boolean) | undefined;
}

export interface AgentPage {
  readonly items: readonly AgentInfo[];
  /** Where the next page starts; absent on the last page. */
  readonly next?: number | undefined;
}

/**
 * One page of agents in creation order. Without a filter it is one store page (limit + 1 rows,
 * the extra one says whether more follow); a filter that drops rows reads on, a page at a time,
 * until the page is full or the store ends. `view` gives the agent as it is, or undefined for
 * one whose component is gone.
 */
export async function pageAgents(store: AgentStore, view: (s: AgentSummary) => AgentInfo | undefined, q: AgentListQuery): Promise<AgentPage> {
  const items: AgentInfo[] = [];
  let after = q.after ?? 0;
  for (;;) {
    const rows = await store.agentPage({ componentId: q.componentId, after, limit: q.limit + 1 });
    for (const [i, row] of rows.entries()) {
      if (i === q.limit) break;
      after = row.ord;
      const info = view(row);
      if (info === undefined || (q.match !== undefined && !q.match(info))) continue;
      items.push(info);
      if (items.length === q.limit) return rows.length > i + 1 ? { items, next: after } : { items };
    }
    if (rows.length <= q.limit) return { items };
  }
}
