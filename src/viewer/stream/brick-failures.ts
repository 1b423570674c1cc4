/**
 * What the brick store remembers about failed loads, so it neither retries
 * them every frame nor gives up on them:
 *
 * - Offline misses (the brick is neither cached nor reachable) are expected:
 *   the brick is "unavailable", counts as done (the view draws its coarser
 *   cached parent) and waits for the source to come back online. While any
 *   brick waits, one of them is tried again now and then (doubling delay) so
 *   a server that came back unannounced is still noticed.
 * - Any other failure (checksum, format, a server error without a cache) is
 *   retried after a delay that doubles per failure of that brick.
 */
import { isFlatvoxError } from "../../shared/errors";

export interface RetryPolicy {
  /** Delay before the first retry of a brick that failed (not offline); doubles per failure. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Delay before an unavailable brick is tried again while offline; doubles per failed try. */
  probeBaseMs: number;
  probeMaxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  retryBaseMs: 500,
  retryMaxMs: 30_000,
  // The cached source itself waits this long before it tries the network again after a failure.
  probeBaseMs: 5_000,
  probeMaxMs: 60_000,
};

/** True for "not cached and the server is unreachable" (also when wrapped as a cause). */
export function isOfflineMiss(e: unknown, depth = 0): boolean {
  if (typeof e !== "object" || e === null || depth > 4) return false;
  if (isFlatvoxError(e, "OfflineError")) return true;
  return isOfflineMiss((e as { cause?: unknown }).cause, depth + 1);
}

export class BrickFailures {
  private readonly errors = new Map<string, { count: number; retryAt: number }>();
  private readonly offline = new Set<string>();
  private probeDelay: number;
  private probeAt = Number.POSITIVE_INFINITY;

  constructor(readonly policy: RetryPolicy = DEFAULT_RETRY) {
    this.probeDelay = policy.probeBaseMs;
  }

  /** Bricks waiting for the source to come back online. */
  get unavailableCount(): number {
    return this.offline.size;
  }

  isUnavailable(key: string): boolean {
    return this.offline.has(key);
  }

  /** True while a failed brick waits out its retry delay. */
  backingOff(key: string, now: number): boolean {
    const f = this.errors.get(key);
    return f !== undefined && f.retryAt > now;
  }

  /** When an unavailable brick may be tried again (infinite when none waits). */
  get nextProbe(): number {
    return this.offline.size ? this.probeAt : Number.POSITIVE_INFINITY;
  }

  /** Earliest time after `now` something becomes retryable among `keys` (infinite when nothing waits). */
  nextRetry(keys: Iterable<string>, now: number): number {
    let t = Number.POSITIVE_INFINITY;
    for (const k of keys) {
      const f = this.errors.get(k);
      if (f && f.retryAt > now && f.retryAt < t) t = f.retryAt;
    }
    return t;
  }

  /** Record a failure; returns "unavailable" for an offline miss, else "error". */
  failed(key: string, e: unknown, now: number, probe: boolean): "unavailable" | "error" {
    if (isOfflineMiss(e)) {
      this.errors.delete(key);
      if (probe) this.probeDelay = Math.min(this.policy.probeMaxMs, this.probeDelay * 2);
      if (probe || this.offline.size === 0) this.probeAt = now + this.probeDelay;
      this.offline.add(key);
      return "unavailable";
    }
    const count = (this.errors.get(key)?.count ?? 0) + 1;
    const delay = Math.min(this.policy.retryMaxMs, this.policy.retryBaseMs * 2 ** (count - 1));
    this.errors.set(key, { count, retryAt: now + delay });
    return "error";
  }

  /** A brick loaded: forget its failures. */
  loaded(key: string): void {
    this.errors.delete(key);
    this.offline.delete(key);
  }

  /** The source is reachable again: every unavailable brick is wanted again, now. */
  reconnected(): void {
    this.offline.clear();
    this.probeDelay = this.policy.probeBaseMs;
    this.probeAt = Number.POSITIVE_INFINITY;
  }

  /** Drop error records of bricks no longer wanted whose delay has passed (bounds the map). */
  prune(wanted: { has(key: string): boolean }, now: number): void {
    for (const [k, f] of this.errors) if (f.retryAt <= now && !wanted.has(k)) this.errors.delete(k);
  }
}
