/** Timing helpers shared by the kernel benchmarks: median of rounds, each long enough to trust. */
export function timeIt(fn: () => unknown, minMs = 60, rounds = 7): number {
  fn();
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let iters = 0;
    const t0 = performance.now();
    let t = t0;
    do {
      fn();
      iters++;
      t = performance.now();
    } while (t - t0 < minMs);
    samples.push((t - t0) / iters);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

export const round = (x: number, d = 3): number => Number(x.toFixed(d));

/** xorshift32 in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/**
 * Interleaved comparison for a noisy, shared machine: alternates the
 * candidates round by round; reports each one's fastest round (ms per call),
 * the median over rounds of baseline / candidate time, and the same two from
 * process CPU time (user + system), which leaves out the time the thread
 * waits for a core while other processes run.
 */
export function compare(
  fns: Record<string, () => unknown>,
  baseline: string,
  rounds = 9,
  minMs = 30,
): {
  ms: Record<string, number>;
  speedup: Record<string, number>;
  cpuMs: Record<string, number>;
  cpuSpeedup: Record<string, number>;
} {
  const names = Object.keys(fns);
  const per: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const cpu: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const n of names) fns[n]();
  for (let r = 0; r < rounds; r++)
    for (const n of names) {
      let iters = 0;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      let t = t0;
      do {
        fns[n]();
        iters++;
        t = performance.now();
      } while (t - t0 < minMs);
      const c = process.cpuUsage(c0);
      per[n].push((t - t0) / iters);
      cpu[n].push((c.user + c.system) / 1000 / iters);
    }
  const medianRatio = (s: Record<string, number[]>, n: string): number => {
    const ratios = s[baseline].map((b, i) => b / s[n][i]).sort((a, b) => a - b);
    return ratios[ratios.length >> 1];
  };
  const ms: Record<string, number> = {};
  const speedup: Record<string, number> = {};
  const cpuMs: Record<string, number> = {};
  const cpuSpeedup: Record<string, number> = {};
  for (const n of names) {
    ms[n] = Math.min(...per[n]);
    speedup[n] = medianRatio(per, n);
    cpuMs[n] = Math.min(...cpu[n]);
    cpuSpeedup[n] = medianRatio(cpu, n);
  }
  return { ms, speedup, cpuMs, cpuSpeedup };
}
