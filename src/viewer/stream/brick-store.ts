/**
 * Main-thread brick cache and download scheduler.
 *
 * - Summaries (index entries) are cached per address; data per content key,
 *   so a brick that did not change between timesteps (same stored bytes) is
 *   fetched and decoded once.
 * - `setWanted` replaces the wish list: queued work not on it is dropped and
 *   running work not on it is aborted (the camera or the clock moved on).
 *   Visible work runs before prefetch; coarse before fine.
 * - Decoded data lives in an LRU bounded by a CPU byte budget; the bricks the
 *   current view needs are never evicted.
 * - A failed brick is not retried every frame (see brick-failures): offline
 *   misses wait for the source to come back, other failures back off.
 */

import { isFlatvoxError } from "../../shared/errors";
import { mark } from "../app/marks";
import type { BrickAddress, BrickPayload, BrickSummary, GpuNorm, ViewerDataset } from "../data/viewer-types";
import type { MeshOutput, MeshRequest } from "../render/voxel-mesher";
import { brickCost } from "./brick-cost";
import { BrickFailures, DEFAULT_RETRY, type RetryPolicy } from "./brick-failures";
import { addrKey, TableStore } from "./brick-table";

export { addrKey };

export type Tier = 0 | 1; // 0 visible, 1 prefetch

export interface LoadRequest {
  addr: BrickAddress;
  tier: Tier;
  /** Smaller runs first within a tier. */
  order: number;
}

export interface StoreStats {
  /** Bricks that needed no bytes (uniform value in the index). */
  uniform: number;
  /** Bricks not downloaded because their stats show they cannot be seen. */
  skipped: number;
  /** Bricks whose content was already decoded (unchanged across timesteps) or in flight. */
  dedupHits: number;
  loads: number;
  loadMs: number;
  cancelled: number;
  cpuBytes: number;
  cpuBudget: number;
  queued: number;
  running: number;
  errors: number;
  /** Bricks that failed offline (not cached, server unreachable) and wait for the source to return. */
  unavailable: number;
}

/**
 * What the engine and the pick session need from a brick store: the page's
 * own scheduler (`BrickStore`) or its mirror of the backend worker's
 * (`src/viewer/backend/backend-client.ts`).
 */
export interface BrickSource {
  cpuBudget: number;
  onLoaded: (addr: BrickAddress) => void;
  onError: (addr: BrickAddress, e: unknown) => void;
  onUnavailable: (addr: BrickAddress) => void;
  needsData: (addr: BrickAddress, s: BrickSummary) => boolean;
  gpuNorm: (a: BrickAddress) => GpuNorm | undefined;
  summaryCount(field: string, t: number): number;
  summary(a: BrickAddress): BrickSummary | undefined;
  payload(s: BrickSummary): BrickPayload | undefined;
  isReady(a: BrickAddress): boolean;
  isUnavailable(a: BrickAddress): boolean;
  retryUnavailable(): void;
  setWanted(reqs: LoadRequest[]): void;
  readonly pending: { visible: number; prefetch: number };
  stats(): StoreStats;
  setCpuBudget(bytes: number): void;
  /**
   * Mesh a categorical brick where its ids are kept (the backend worker), or a
   * uniform brick of value `uniform`; absent when the page holds the ids.
   */
  mesh?(key: string, input: MeshRequest, uniform?: number): Promise<MeshOutput>;
}

interface Job {
  req: LoadRequest;
  key: string;
  ctrl?: AbortController;
  /** A try of an unavailable brick while offline (it stays counted as done meanwhile). */
  probe?: boolean;
}

export class BrickStore extends TableStore implements BrickSource {
  cpuBudget: number;
  concurrency: number;
  onLoaded: (addr: BrickAddress) => void = () => {};
  /** A brick's decoded data was stored (even when the job that loaded it was cancelled meanwhile). */
  onStored: (addr: BrickAddress, s: BrickSummary) => void = () => {};
  /** A failure other than an offline miss (retried later with backoff). */
  onError: (addr: BrickAddress, e: unknown) => void = () => {};
  /** A brick could not be read offline; it counts as done until `retryUnavailable`. */
  onUnavailable: (addr: BrickAddress) => void = () => {};
  private readonly inflightData = new Map<string, Promise<BrickPayload>>();
  private wanted = new Map<string, Job>();
  private queue: Job[] = [];
  private readonly running = new Map<string, Job>();
  private s = { uniform: 0, skipped: 0, dedupHits: 0, loads: 0, loadMs: 0, cancelled: 0, errors: 0 };
  private readonly failures: BrickFailures;
  private probing?: Job;
  private timer?: ReturnType<typeof setTimeout>;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly ds: ViewerDataset,
    opts: { cpuBudget: number; concurrency?: number; retry?: Partial<RetryPolicy> },
  ) {
    super();
    this.cpuBudget = opts.cpuBudget;
    this.concurrency = opts.concurrency ?? 6;
    this.failures = new BrickFailures({ ...DEFAULT_RETRY, ...opts.retry });
  }

  /** True when the brick failed offline and waits for the source to come back online. */
  isUnavailable(a: BrickAddress): boolean {
    return this.failures.isUnavailable(addrKey(a));
  }

  /** The source is reachable again: try every unavailable brick still wanted now. */
  retryUnavailable(): void {
    if (!this.failures.unavailableCount) return;
    this.failures.reconnected();
    this.refresh();
  }

  async loadSummary(a: BrickAddress, signal?: AbortSignal): Promise<BrickSummary> {
    const have = this.table.summary(a);
    if (have) return have;
    const s = await this.ds.summary(a, signal);
    this.table.setSummary(a, s);
    return s;
  }

  setWanted(reqs: LoadRequest[]): void {
    const next = new Map<string, Job>();
    for (const r of reqs) {
      const key = addrKey(r.addr);
      if (next.has(key)) continue;
      const job = this.running.get(key) ?? this.wanted.get(key) ?? { req: r, key };
      job.req = r;
      next.set(key, job);
    }
    for (const [k, job] of this.running) {
      if (!next.has(k)) {
        job.ctrl?.abort();
        this.running.delete(k);
        this.s.cancelled++;
      }
    }
    this.wanted = next;
    if (this.probing && !next.has(this.probing.key)) this.probing = undefined;
    // Keep what the visible set needs out of eviction.
    this.table.protect(reqs);
    this.refresh();
  }

  /** Wanted bricks still to come (unavailable ones count as done; failed ones waiting to retry do not). */
  get pending(): { visible: number; prefetch: number } {
    let visible = 0;
    let prefetch = 0;
    for (const j of this.wanted.values()) {
      if (this.failures.isUnavailable(j.key) || this.isReady(j.req.addr)) continue;
      if (j.req.tier === 0) visible++;
      else prefetch++;
    }
    return { visible, prefetch };
  }

  /** Rebuild the queue from the wish list (skipping bricks that wait to be retried) and start work. */
  private refresh(): void {
    const now = performance.now();
    this.failures.prune(this.wanted, now);
    const jobs = [...this.wanted.values()].sort(
      (a, b) => a.req.tier - b.req.tier || a.req.order - b.req.order,
    );
    this.queue = jobs.filter(
      (j) =>
        !this.running.has(j.key) &&
        !this.failures.isUnavailable(j.key) &&
        !this.failures.backingOff(j.key, now) &&
        !this.isReady(j.req.addr),
    );
    // Offline: now and then try the most wanted unavailable brick, so a returning server is noticed.
    if (!this.probing && now >= this.failures.nextProbe) {
      const job = jobs.find((j) => this.failures.isUnavailable(j.key) && !this.running.has(j.key));
      if (job) {
        job.probe = true;
        this.probing = job;
        this.start(job);
      }
    }
    this.pump();
    this.schedule(now);
  }

  /** Wake up when the next failed brick may be retried (nothing else would ask while the view is idle). */
  private schedule(now: number): void {
    const waiting = [...this.wanted.keys()].filter((k) => !this.running.has(k));
    let at = this.failures.nextRetry(waiting, now);
    if (!this.probing && waiting.some((k) => this.failures.isUnavailable(k)))
      at = Math.min(at, this.failures.nextProbe);
    if (at === this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (!Number.isFinite(at)) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.refresh();
      },
      Math.max(0, at - now) + 1,
    );
  }

  stats(): StoreStats {
    return {
      ...this.s,
      cpuBytes: this.table.cpuBytes,
      cpuBudget: this.cpuBudget,
      queued: this.queue.length,
      running: this.running.size,
      unavailable: this.failures.unavailableCount,
    };
  }

  private pump(): void {
    while (this.running.size < this.concurrency && this.queue.length) {
      const job = this.queue.shift()!;
      if (this.running.has(job.key) || this.isReady(job.req.addr)) continue;
      job.probe = false;
      this.start(job);
    }
  }

  private start(job: Job): void {
    job.ctrl = new AbortController();
    this.running.set(job.key, job);
    void this.run(job);
  }

  private async run(job: Job): Promise<void> {
    const signal = job.ctrl!.signal;
    const a = job.req.addr;
    // What to do once done: start queued work; also rebuild the queue, or arm the retry timer.
    let after: "pump" | "refresh" | "schedule" = "pump";
    try {
      const s = await this.loadSummary(a, signal);
      if (s.uniform === undefined && !this.table.data.has(s.contentKey) && this.needsData(a, s)) {
        let p = this.inflightData.get(s.contentKey);
        if (p) {
          this.s.dedupHits++;
          await p;
        } else {
          const t0 = performance.now();
          mark("first-brick-request");
          p = this.ds.readBrick(a, signal, this.gpuNorm(a));
          this.inflightData.set(s.contentKey, p);
          try {
            const payload = await p;
            this.s.loads++;
            brickCost.bricks++;
            // Decoded off the page (a worker) unless the executor chose this thread for it.
            if (payload.offThread !== false) brickCost.crossings++;
            mark("first-brick-ready");
            this.s.loadMs += performance.now() - t0;
            this.put(s.contentKey, payload);
            this.onStored(a, s);
          } finally {
            this.inflightData.delete(s.contentKey);
          }
        }
      } else if (s.uniform === undefined && this.table.data.has(s.contentKey)) {
        this.s.dedupHits++;
      } else if (s.uniform !== undefined) {
        this.s.uniform++;
      } else {
        this.s.skipped++;
      }
      const probed = job.probe && this.failures.isUnavailable(job.key);
      this.failures.loaded(job.key);
      if (this.running.get(job.key) === job) {
        this.running.delete(job.key);
        this.onLoaded(a);
      }
      // An unavailable brick loaded: the others may load now too.
      if (probed) {
        this.failures.reconnected();
        after = "refresh";
      }
    } catch (e) {
      const current = this.running.get(job.key) === job;
      if (current) this.running.delete(job.key);
      if (!(isFlatvoxError(e, "AbortError") || (e as { name?: string })?.name === "AbortError")) {
        after = "schedule";
        if (this.failures.failed(job.key, e, performance.now(), job.probe === true) === "unavailable") {
          if (current) this.onUnavailable(a);
        } else {
          this.s.errors++;
          this.onError(a, e);
        }
      }
    } finally {
      if (this.probing === job) this.probing = undefined;
      job.probe = false;
      if (after === "refresh") this.refresh();
      else {
        this.pump();
        if (after === "schedule") this.schedule(performance.now());
      }
    }
  }

  private put(key: string, p: BrickPayload): void {
    if (this.table.data.has(key)) return;
    this.table.set(key, p);
    this.table.evict(this.cpuBudget, key);
  }

  /** The texture normalization to prepare a brick for (scalar fields whose range is known), else undefined. */
  gpuNorm: (a: BrickAddress) => GpuNorm | undefined = () => undefined;

  /**
   * Replace the kept payload of a content key (the backend keeps only a
   * marker once the page holds a brick's GPU form), recounting its bytes.
   */
  replacePayload(key: string, p: BrickPayload): void {
    if (this.table.data.has(key)) this.table.set(key, p);
  }

  /** The kept payload of a content key, without touching the LRU. */
  payloadByKey(key: string): BrickPayload | undefined {
    return this.table.data.get(key);
  }

  /** Forget these contents (the page evicted them): wanted ones are loaded again. */
  drop(keys: string[]): void {
    for (const k of keys) this.table.delete(k);
    this.refresh();
  }

  /** Apply a new CPU budget now (evicting down to it). */
  setCpuBudget(bytes: number): void {
    this.cpuBudget = bytes;
    this.table.evict(bytes);
  }
}
