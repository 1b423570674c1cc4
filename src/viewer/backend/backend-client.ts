/**
 * The page's side of the backend worker: a mirror of its brick store (the
 * summaries it reported, the GPU-ready payloads it sent, what is unavailable),
 * with the surface the engine and the pick session use (`BrickSource`,
 * `RemotePicker`). The page keeps its own LRU of payloads under the CPU
 * budget and tells the backend what it evicted.
 *
 * Thread crossings of brick data are counted here, where they arrive: one per
 * payload message entry (`brickCost`); the time spent taking them in counts
 * as main-thread brick time.
 */
import * as Comlink from "comlink";
import type { Implementation } from "../../core/core";
import { reviveError } from "../../shared/errors";
import type { Vec3 } from "../../shared/types";
import type { LodSelector } from "../core/core-client";
import type { LodReply, LodRequest } from "../core/core-service";
import type { BrickAddress, BrickPayload, GpuNorm, TransferStats } from "../data/viewer-types";
import type { RemotePicker, RemotePickQuery } from "../pick/pick-host";
import type { MeshOutput, MeshRequest } from "../render/voxel-mesher";
import { brickCost, onMain } from "../stream/brick-cost";
import type { BrickSource, LoadRequest, StoreStats } from "../stream/brick-store";
import { addrKey, TableStore } from "../stream/brick-table";
import type { BackendService } from "./backend-service";
import type { BackendEvents, FieldParams } from "./protocol";

/** The backend's surface as the page calls it (through Comlink, or directly in the page). */
export type BackendRemote = Pick<
  BackendService,
  | "open"
  | "setWanted"
  | "forget"
  | "retryUnavailable"
  | "pick"
  | "mesh"
  | "selectLod"
  | "lodImplementation"
  | "sample"
  | "close"
  | "abort"
  | "summary"
  | "readBrick"
  | "readRegion"
  | "stats"
  | "probe"
  | "sampleLine"
  | "features"
  | "track"
  | "offlineEstimate"
  | "offlineDownload"
  | "cachedBytes"
  | "flushCache"
  | "setCacheQuota"
  | "cacheList"
  | "cacheUsage"
  | "cacheRemove"
>;

const NO_STATS: StoreStats = {
  uniform: 0,
  skipped: 0,
  dedupHits: 0,
  loads: 0,
  loadMs: 0,
  cancelled: 0,
  cpuBytes: 0,
  cpuBudget: 0,
  queued: 0,
  running: 0,
  errors: 0,
  unavailable: 0,
};

/**
 * Whether the viewer reads through the backend worker (which then answers
 * every read of the page, offline reporting and slice reads included): the
 * default. `?backend=off`, and a browser without workers, keep the page's own
 * reader and store.
 */
export function backendWanted(): boolean {
  if (typeof Worker !== "function") return false;
  return typeof location !== "undefined" && new URLSearchParams(location.search).get("backend") !== "off";
}

export class BackendBrickStore extends TableStore implements BrickSource, RemotePicker, LodSelector {
  cpuBudget: number;
  onLoaded: (addr: BrickAddress) => void = () => {};
  onError: (addr: BrickAddress, e: unknown) => void = () => {};
  onUnavailable: (addr: BrickAddress) => void = () => {};
  gpuNorm: (a: BrickAddress) => GpuNorm | undefined = () => undefined;
  private readonly unavailableKeys = new Set<string>();
  private wanted: LoadRequest[] = [];
  private params: Record<string, FieldParams> = {};
  private sentSig = "";
  private remoteStats: StoreStats = NO_STATS;
  private transfer: TransferStats = { requests: 0, bytes: 0, cacheHits: 0 };
  /**
   * Brick payloads received, the thread crossings of brick data (a scalar
   * brick's GPU form, a categorical brick's mesh), the meshes received, and
   * buffers the backend copied before transfer.
   */
  readonly counts = { bricks: 0, crossings: 0, meshes: 0, copies: 0 };

  /**
   * @param where "worker", or "page" where the worker could not start (the same service in the page).
   */
  constructor(
    private readonly remote: BackendRemote,
    readonly where: "worker" | "page",
    cpuBudget = Number.POSITIVE_INFINITY,
  ) {
    super();
    this.cpuBudget = cpuBudget;
  }

  /** What the view shows of a field (bricks below `visibleFrom` are not needed) and its texture normalization. */
  setFieldParams(field: string, p: FieldParams): void {
    this.params[field] = p;
  }

  /** The payloads held (content key → GPU form or ids), for inspection. */
  get data(): ReadonlyMap<string, BrickPayload> {
    return this.table.data;
  }

  isUnavailable(a: BrickAddress): boolean {
    return this.unavailableKeys.has(addrKey(a));
  }

  retryUnavailable(): void {
    void this.remote.retryUnavailable();
  }

  /** Sent to the backend only when the list or the field parameters changed (the engine calls it every frame). */
  setWanted(reqs: LoadRequest[]): void {
    this.wanted = reqs;
    this.table.protect(reqs);
    let sig = JSON.stringify(this.params);
    for (const r of reqs) sig += `;${addrKey(r.addr)}|${r.tier}|${r.order}`;
    if (sig === this.sentSig) return;
    this.sentSig = sig;
    void this.remote.setWanted({ reqs, params: this.params });
  }

  get pending(): { visible: number; prefetch: number } {
    let visible = 0;
    let prefetch = 0;
    const seen = new Set<string>();
    for (const r of this.wanted) {
      const k = addrKey(r.addr);
      if (seen.has(k)) continue;
      seen.add(k);
      if (this.unavailableKeys.has(k) || this.isReady(r.addr)) continue;
      if (r.tier === 0) visible++;
      else prefetch++;
    }
    return { visible, prefetch };
  }

  stats(): StoreStats {
    return { ...this.remoteStats, cpuBytes: this.table.cpuBytes, cpuBudget: this.cpuBudget };
  }

  /** The backend's transport counters (requests and bytes of brick reads). */
  transferStats(): TransferStats {
    return this.transfer;
  }

  setCpuBudget(bytes: number): void {
    this.cpuBudget = bytes;
    this.evict();
  }

  pick(q: RemotePickQuery): ReturnType<RemotePicker["pick"]> {
    return this.remote.pick(q).catch((e: unknown) => Promise.reject(reviveError(e)));
  }

  /** The LOD kernel's implementation in the backend, once loaded. */
  implementation?: Implementation;

  /** The LOD cut, selected in the backend next to its brick table (the node records are transferred). */
  selectLod(q: LodRequest): Promise<LodReply> {
    if (!this.implementation)
      void this.remote.lodImplementation().then((i) => {
        this.implementation = i as Implementation;
      });
    const req = this.where === "worker" ? Comlink.transfer(q, [q.records]) : q;
    return this.remote.selectLod(req).catch((e: unknown) => Promise.reject(reviveError(e)));
  }

  /** The backend meshes a categorical brick it holds; the mesh's buffers are transferred (one crossing). */
  async mesh(key: string, req: MeshRequest, uniform?: number): Promise<MeshOutput> {
    const out = await this.remote
      .mesh(key, req, uniform)
      .catch((e: unknown) => Promise.reject(reviveError(e)));
    // A uniform brick has no payload message: its mesh is its only arrival.
    if (uniform !== undefined) {
      this.counts.bricks++;
      brickCost.bricks++;
    }
    this.counts.meshes++;
    this.counts.crossings++;
    brickCost.meshes++;
    brickCost.crossings++;
    return out;
  }

  sample(field: string, t: number, ijk: Vec3): Promise<number> {
    return this.remote.sample(field, t, ijk).catch((e: unknown) => Promise.reject(reviveError(e)));
  }

  /** The engine using this store went away: nothing is wanted, no callbacks (the dataset keeps the backend). */
  release(): void {
    this.setWanted([]);
    this.onLoaded = () => {};
    this.onError = () => {};
    this.onUnavailable = () => {};
  }

  /** One event batch of the backend (see protocol.ts). */
  receive(b: BackendEvents): void {
    onMain(() => {
      for (const [a, s] of b.summaries) this.table.setSummary(a, s);
      for (const d of b.bricks) {
        // A scalar brick's data crosses here, once; a categorical brick's crosses as its mesh (`mesh`).
        this.counts.bricks++;
        brickCost.bricks++;
        if (d.ready) {
          this.counts.crossings++;
          brickCost.crossings++;
        }
        const p: BrickPayload = {
          dims: d.dims,
          ready: d.ready,
          materials: d.materials,
          heldBytes: d.heldBytes,
          offThread: true,
        };
        this.table.set(d.key, p);
      }
      this.counts.copies = b.copies;
      this.evict();
    });
    this.remoteStats = b.stats;
    this.transfer = b.transfer;
    for (const [a, e] of b.errors) this.onError(a, reviveError(e));
    for (const a of b.unavailable) {
      this.unavailableKeys.add(addrKey(a));
      this.onUnavailable(a);
    }
    for (const a of b.loaded) {
      this.unavailableKeys.delete(addrKey(a));
      this.onLoaded(a);
    }
  }

  private evict(): void {
    const gone = this.table.evict(this.cpuBudget);
    if (gone.length) void this.remote.forget(gone);
  }
}
