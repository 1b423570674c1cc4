/**
 * Which bricks the viewer could not get while offline (not cached, or their
 * cached copy was corrupt and discarded), so the UI can say what is missing
 * instead of failing silently. A brick leaves the list once it loads.
 */
import { isFlatvoxError } from "../../shared/errors";

export interface Unavailable {
  /** Bricks that failed offline and have not loaded since. */
  count: number;
  /** Their levels, finest first. */
  levels: number[];
  /** Their timesteps, ascending. */
  times: number[];
  /** How many of the failures were cached copies found corrupt. */
  corrupt: number;
}

interface Miss {
  level: number;
  t: number;
  corrupt: boolean;
}

export class Availability {
  private readonly missing = new Map<string, Miss>();
  private readonly listeners = new Set<() => void>();

  /** Run a brick read, recording an offline failure (rethrown) or clearing an earlier one. */
  async track<T>(addr: { field: string; t: number; level: number; brick: number[] }, read: () => Promise<T>) {
    const k = `${addr.field}|${addr.t}|${addr.level}|${addr.brick.join(",")}`;
    try {
      const v = await read();
      if (this.missing.delete(k)) this.emit();
      return v;
    } catch (e) {
      if (isFlatvoxError(e, "OfflineError")) {
        const had = this.missing.get(k);
        // Once found corrupt, a later "not cached" (the bad copy is gone) is still that brick's story.
        const corrupt = /corrupt/.test(e.message) || had?.corrupt === true;
        if (!had || had.corrupt !== corrupt) {
          this.missing.set(k, { level: addr.level, t: addr.t, corrupt });
          this.emit();
        }
      }
      throw e;
    }
  }

  snapshot(): Unavailable {
    const levels = new Set<number>();
    const times = new Set<number>();
    let corrupt = 0;
    for (const m of this.missing.values()) {
      levels.add(m.level);
      times.add(m.t);
      if (m.corrupt) corrupt++;
    }
    return {
      count: this.missing.size,
      levels: [...levels].sort((a, b) => a - b),
      times: [...times].sort((a, b) => a - b),
      corrupt,
    };
  }

  /** Back online: what was missing may load now. */
  clear(): void {
    if (!this.missing.size) return;
    this.missing.clear();
    this.emit();
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}
