/**
 * The view state and who listens to it. `set` is the only way the state
 * changes: synchronous listeners run in the same call (so a controlled input
 * re-renders in the same event), and UI subscribers get one coalesced
 * notification per tick.
 */
import type { ViewState } from "../app/view-state";

export class ViewStore {
  private current: ViewState;
  private readonly sync = new Set<(patch: Partial<ViewState>, prev: ViewState) => void>();
  private readonly listeners = new Set<() => void>();
  private notifyPending = false;

  constructor(initial: ViewState) {
    this.current = initial;
  }

  get state(): ViewState {
    return this.current;
  }

  /** Apply a patch; `quiet` records it without running the synchronous reactions (e.g. a pick that already has its value). */
  set(patch: Partial<ViewState>, quiet = false): void {
    const prev = this.current;
    this.current = { ...prev, ...patch };
    if (!quiet) for (const l of this.sync) l(patch, prev);
    this.notify();
  }

  /** Called synchronously on every non-quiet `set`, with the patch and the previous state. */
  onChange(fn: (patch: Partial<ViewState>, prev: ViewState) => void): () => void {
    this.sync.add(fn);
    return () => this.sync.delete(fn);
  }

  /** Coalesced change notification (state, stats, data), for the UI. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  notify(): void {
    if (this.notifyPending) return;
    this.notifyPending = true;
    setTimeout(() => {
      this.notifyPending = false;
      for (const l of this.listeners) l();
    }, 0);
  }

  clear(): void {
    this.listeners.clear();
    this.sync.clear();
  }
}
