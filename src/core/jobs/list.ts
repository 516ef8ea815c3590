import { TahoError } from '../errors.js';
import type { JobStore } from '../store/ports/jobs.js';
import type { Job } from './model.js';
import type { ListQuery, Page } from './orchestrator.js';
import { decodeToken, encodeToken } from './paging.js';
import { matches, parseSelector } from './selector.js';

/** Rows read per store page when a filter may drop rows or the caller asked for every job. */
const BATCH = 500;

/**
 * A page of jobs (Bacalhau's list: namespace, label selector, order_by, reverse, limit,
 * next_token) read from the store's time index: it costs the page, not the number of jobs, and
 * only a selective filter makes it read on. The token carries the last job's place, so the next
 * page seeks there.
 */
export async function listJobs(store: JobStore, q: ListQuery): Promise<Page<Job>> {
  let sortBy = q.orderBy ?? '';
  let reverse = q.reverse ?? false;
  let limit = q.limit ?? 0;
  let offset = 0;
  let skip = 0;
  let after: { time: number; id: string } | undefined;
  if (q.nextToken) {
    const t = decodeToken(q.nextToken);
    if (typeof t === 'string') throw new TahoError('TAHO_BAD_REQUEST', t, { hint: 'Pass back the NextToken of the previous page unchanged.' });
    ({ sortBy, reverse, limit, after, offset } = t);
    // A token without a place (a Bacalhau client's own, or an older taho's) counts from the start.
    skip = after === undefined ? offset : 0;
  }
  if (sortBy !== '' && sortBy !== 'created_at' && sortBy !== 'modified_at') {
    throw new TahoError('TAHO_BAD_REQUEST', `invalid order_by: ${sortBy}`, { hint: 'Use created_at or modified_at.' });
  }
  const reqs = q.labels ? parseSelector(q.labels) : [];
  if (typeof reqs === 'string') throw new TahoError('TAHO_BAD_REQUEST', reqs, { hint: 'Label selectors look like env=prod,tier in (a,b),!gpu.' });
  const ns = q.namespace ?? '';
  const orderBy = sortBy === 'modified_at' ? 'modified' : 'created';
  const place = (j: Job) => ({ time: orderBy === 'modified' ? j.ModifyTime : j.CreateTime, id: j.ID });
  const wanted = (j: Job) => (ns === '' || ns === '*' || j.Namespace === ns) && matches(j.Labels, reqs);
  const filtered = ns !== '' && ns !== '*' || reqs.length > 0 || skip > 0;
  // One row past the page says whether another follows.
  const batch = limit > 0 && !filtered ? limit + 1 : BATCH;
  const items: Job[] = [];
  for (;;) {
    const rows = await store.jobPage({ orderBy, reverse, after, limit: batch });
    for (const j of rows) {
      if (wanted(j) && skip-- <= 0) {
        if (limit > 0 && items.length === limit) {
          const last = items.at(-1) as Job;
          // Offset stays what Bacalhau's would be; the place is what the next page seeks to.
          return { Items: items, NextToken: encodeToken({ sortBy: sortBy || 'created_at', reverse, limit, offset: offset + limit, after: place(last) }) };
        }
        items.push(j);
      }
      after = place(j);
    }
    if (rows.length < batch) return { Items: items, NextToken: '' };
  }
}
