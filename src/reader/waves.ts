/**
 * Backpressure for multi-brick reads. Items run in waves: a wave is a run of
 * consecutive items whose weight (bytes held while an item is in flight)
 * stays under `waveBytes`, and every item of a wave starts in the same tick,
 * so neighbouring bricks still coalesce into few requests. At most
 * `maxWaves` waves are in flight; the next starts when the oldest is done.
 * Memory is therefore bounded by about `maxWaves × waveBytes` whatever the
 * region, while the transport and the decoders always have the next wave.
 */
import { throwIfAborted } from "../shared/errors";

export interface WaveOptions {
  /** Weight budget of one wave (default 32 MiB). */
  waveBytes?: number;
  /** Waves in flight at once (default 2). */
  maxWaves?: number;
  signal?: AbortSignal;
}

export const DEFAULT_WAVE_BYTES = 32 * 2 ** 20;

/** Group consecutive items into waves of at most `budget` weight (an item heavier than the budget forms its own wave). */
export function planWaves<T>(items: readonly T[], weight: (item: T) => number, budget: number): T[][] {
  const waves: T[][] = [];
  let cur: T[] = [];
  let sum = 0;
  for (const it of items) {
    const w = Math.max(0, weight(it));
    if (cur.length && sum + w > budget) {
      waves.push(cur);
      cur = [];
      sum = 0;
    }
    cur.push(it);
    sum += w;
  }
  if (cur.length) waves.push(cur);
  return waves;
}

/**
 * Run `run` on every item, in waves. Resolves when all are done; on the first
 * failure no new wave starts, the running ones settle, and the failure is thrown.
 */
export async function inWaves<T>(
  items: readonly T[],
  weight: (item: T) => number,
  run: (item: T) => Promise<void>,
  opts: WaveOptions = {},
): Promise<void> {
  const waves = planWaves(items, weight, opts.waveBytes ?? DEFAULT_WAVE_BYTES);
  const maxWaves = Math.max(1, opts.maxWaves ?? 2);
  let next = 0;
  let failure: { e: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (next < waves.length && !failure) {
      throwIfAborted(opts.signal);
      const wave = waves[next++];
      const results = await Promise.allSettled(wave.map((it) => run(it)));
      for (const r of results) if (r.status === "rejected" && !failure) failure = { e: r.reason };
    }
  };
  await Promise.allSettled(Array.from({ length: Math.min(maxWaves, waves.length) }, lane));
  if (failure) throw failure.e;
  throwIfAborted(opts.signal);
}
