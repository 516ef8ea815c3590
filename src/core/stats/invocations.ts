/** What `tt status` and `/v1/stats` show of invocations over the last minute. */
export interface InvocationSnapshot {
  readonly windowS: number;
  /** Calls finished in each second of the window, oldest first. */
  readonly perSecond: readonly number[];
  readonly errorsPerSecond: readonly number[];
  readonly count: number;
  readonly errors: number;
  /** Latency percentiles over the window (ms; accurate to a bucket, ±10 %); undefined without calls. */
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
}

/** How calls are timed where a call costs about a microsecond: see InvocationStats.begin. */
export interface CallTimer {
  /** At a call's start: a start time when this call is timed, else -1. */
  begin(): number;
  /** At its end, with what begin gave. */
  end(t0: number, ok: boolean): void;
}

const WINDOW_S = 60;
/** Every call is timed until a second has this many timed ones; past it, one in SAMPLE_EVERY. */
const TIME_ALL_UP_TO = 100;
const SAMPLE_EVERY = 8;
/** Latency buckets grow by 2^(1/4) (≈ 19 %) from 1 µs: 112 of them reach past 200 s. */
const STEPS_PER_DOUBLING = 4;
const BUCKETS = 112;

function bucketOf(ms: number): number {
  const us = ms * 1000;
  if (!(us > 1)) return 0;
  return Math.min(BUCKETS - 1, Math.floor(Math.log2(us) * STEPS_PER_DOUBLING) + 1);
}

/** The middle of a bucket, in ms. */
function valueOf(bucket: number): number {
  if (bucket === 0) return 0.001;
  return 2 ** ((bucket - 0.5) / STEPS_PER_DOUBLING) / 1000;
}

/**
 * Invocations of services and durable agents, by second, for the last minute: counts, errors and
 * a log-scale latency histogram per second, so recording costs a few array writes (a busy server
 * records tens of thousands a second) and memory stays fixed.
 */
export class InvocationStats implements CallTimer {
  readonly #second = new Float64Array(WINDOW_S).fill(-1);
  readonly #count = new Float64Array(WINDOW_S);
  readonly #errors = new Float64Array(WINDOW_S);
  readonly #hist = Array.from({ length: WINDOW_S }, () => new Uint32Array(BUCKETS));
  /** The second of the last timed call, and how many were timed in it; untimed calls count there. */
  #lastSecond = -1;
  #timedInSecond = 0;
  #sinceTimed = 0;

  /**
   * A clock read costs ~50 ns, and a warm inline service call about a microsecond: on a busy
   * second only one call in eight is timed. Every call is counted (in the second of the last
   * timed one, at most seven calls late).
   */
  begin(): number {
    if (this.#timedInSecond < TIME_ALL_UP_TO || ++this.#sinceTimed >= SAMPLE_EVERY) {
      this.#sinceTimed = 0;
      return performance.now();
    }
    return -1;
  }

  end(t0: number, ok: boolean): void {
    if (t0 < 0) {
      this.#add(this.#lastSecond, ok, undefined);
      return;
    }
    const t = performance.now();
    const sec = Math.floor((performance.timeOrigin + t) / 1000);
    if (sec !== this.#lastSecond) {
      this.#lastSecond = sec;
      this.#timedInSecond = 0;
    }
    this.#timedInSecond += 1;
    this.#add(sec, ok, t - t0);
  }

  /** One call that took `ms`, finished at `now`. */
  record(ms: number, ok: boolean, now = Date.now()): void {
    this.#add(Math.floor(now / 1000), ok, ms);
  }

  #add(sec: number, ok: boolean, ms: number | undefined): void {
    if (sec < 0) return;
    const i = sec % WINDOW_S;
    if (this.#second[i] !== sec) {
      this.#second[i] = sec;
      this.#count[i] = 0;
      this.#errors[i] = 0;
      this.#hist[i]?.fill(0);
    }
    this.#count[i] = (this.#count[i] ?? 0) + 1;
    if (!ok) this.#errors[i] = (this.#errors[i] ?? 0) + 1;
    if (ms === undefined) return;
    const h = this.#hist[i] as Uint32Array;
    const b = bucketOf(ms);
    h[b] = (h[b] ?? 0) + 1;
  }

  snapshot(now = Date.now()): InvocationSnapshot {
    const last = Math.floor(now / 1000);
    const perSecond: number[] = [];
    const errorsPerSecond: number[] = [];
    const merged = new Float64Array(BUCKETS);
    for (let sec = last - WINDOW_S + 1; sec <= last; sec++) {
      const i = sec % WINDOW_S;
      const live = this.#second[i] === sec;
      perSecond.push(live ? (this.#count[i] ?? 0) : 0);
      errorsPerSecond.push(live ? (this.#errors[i] ?? 0) : 0);
      if (live) this.#hist[i]?.forEach((n, b) => (merged[b] = (merged[b] ?? 0) + n));
    }
    const count = perSecond.reduce((a, b) => a + b, 0);
    const timed = merged.reduce((a, b) => a + b, 0);
    const quantile = (q: number): number | undefined => {
      if (timed === 0) return undefined;
      const rank = Math.ceil(q * timed);
      let seen = 0;
      for (let b = 0; b < BUCKETS; b++) {
        seen += merged[b] ?? 0;
        if (seen >= rank) return valueOf(b);
      }
      return valueOf(BUCKETS - 1);
    };
    return { windowS: WINDOW_S, perSecond, errorsPerSecond, count, errors: errorsPerSecond.reduce((a, b) => a + b, 0), p50Ms: quantile(0.5), p99Ms: quantile(0.99) };
  }
}
