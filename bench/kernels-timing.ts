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
