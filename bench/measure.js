// Measuring helpers the benchmarks share.

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** ns per call of each function, measured in interleaved rounds so noise hits all alike. */
export function nsPerCall(fns, iterations, warmup = 20_000) {
  for (const fn of fns) for (let i = 0; i < warmup; i++) fn(); // warm the JIT
  const rounds = fns.map(() => []);
  for (let r = 0; r < 7; r++) {
    fns.forEach((fn, k) => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) fn();
      rounds[k].push(Number(process.hrtime.bigint() - t0) / iterations);
    });
  }
  return rounds.map(median);
}
