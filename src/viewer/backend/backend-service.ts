/**
 * The viewer's backend: owns the dataset reader, its transport and cache, the
 * brick scheduler (visible > prefetch > recent, with cancellation) and the
 * bricks' decoded values; picks and samples next to them with the reader's
 * own code. The page gets each brick once, as what it draws: a scalar brick
 * as normalized halves plus occupancy (prepared here, `src/worker/gpu-prep.ts`),
 * a categorical brick as its meshes (`mesh`, the voxel mesher run here on the
 * ids it keeps; the page is told only which ids a brick holds). Once sent, a
 * scalar brick's values are dropped here (only a marker stays, so it is not
 * loaded twice); the page's eviction (`forget`) makes it loadable again. It
 * also selects the LOD cut for the page's view (`selectLod`).
 *
 * It also answers the page's other reads of the dataset, so the page never
 * opens it itself: slice-pane regions (with what they cost on the wire),
 * histograms, probe series, feature queries, "make available offline", and
 * it reports offline availability (online state, unavailable and corrupt
 * bricks) in every event batch.
 *
 * Runs in a module worker (`backend-worker.ts`); the same class runs in the
 * page where workers cannot start. Events go out on a MessagePort in one
 * message per macrotask, brick buffers in its transfer list.
 */

import * as Comlink from "comlink";
import { FlatvoxError, isFlatvoxError } from "../../shared/errors";
import type { FieldKind, TypedArray, Vec3 } from "../../shared/types";
import { loadGpuPrep, prepareForGpu } from "../../worker/gpu-prep";
import { serializeError } from "../../worker/protocol";
import { type LodReply, type LodRequest, ViewerCoreService } from "../core/core-service";
import { type OpenedDataset, openViewerDataset } from "../data/dataset-adapter";
import type {
  BrickAddress,
  BrickPayload,
  BrickSummary,
  FeatureHit,
  FeatureQuery,
  GpuNorm,
  HistogramQuery,
  HistogramResult,
  TrackInfo,
  TransferStats,
  ViewerDataset,
} from "../data/viewer-types";
import type {
  CachedDatasetInfo,
  CacheUsage,
  OfflineChoice,
  OfflineProgress,
  OfflineSizeEstimate,
} from "../offline/offline-data";
import type { RemotePickQuery } from "../pick/pick-host";
import { type MeshOutput, type MeshRequest, meshVoxels } from "../render/voxel-mesher";
import { BrickStore } from "../stream/brick-store";
import type {
  BackendEvents,
  BackendOpenOptions,
  BrickDelivery,
  FieldParams,
  OpenReply,
  WantedMessage,
} from "./protocol";

/** Errors cross to the page as plain data (the page revives them with their tag). */
async function serialized<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw serializeError(e);
  }
}

function emptyBatch(): Pick<BackendEvents, "summaries" | "bricks" | "loaded" | "unavailable" | "errors"> {
  return { summaries: [], bricks: [], loaded: [], unavailable: [], errors: [] };
}

/** The buffer to transfer for a view: its own when the view covers all of it, else a copy's. */
function owned<T extends ArrayBufferView>(v: T, copy: () => T): T {
  return v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && v.buffer instanceof ArrayBuffer
    ? v
    : copy();
}

export class BackendService {
  private ds?: OpenedDataset;
  /** The open in progress: picks and samples that arrive before it finished wait for it. */
  private opening?: Promise<OpenedDataset>;
  private store?: BrickStore;
  private port?: MessagePort;
  private params: Record<string, FieldParams> = {};
  private readonly kinds = new Map<string, FieldKind>();
  private out = emptyBatch();
  private transfer: Transferable[] = [];
  private flushTimer?: ReturnType<typeof setTimeout>;
  /** Content keys whose payload the page holds. */
  private readonly sent = new Set<string>();
  /** Scalar bricks loaded before their field's normalization was known: content key → address. */
  private readonly held = new Map<string, BrickAddress>();
  private early?: WantedMessage;
  /** Bricks whose buffers had to be copied before transfer (views into shared buffers). */
  private copies = 0;
  /** The LOD kernel (the core's `selectCut`), loaded when the dataset opens. */
  private readonly lodCore = new ViewerCoreService();
  /** The page's requests that can be cancelled, by the id the page gave them. */
  private readonly requests = new Map<number, AbortController>();

  async open(url: string, port: MessagePort, opts: BackendOpenOptions = {}): Promise<OpenReply> {
    return serialized(() => this.doOpen(url, port, opts));
  }

  private async doOpen(url: string, port: MessagePort, opts: BackendOpenOptions): Promise<OpenReply> {
    this.port = port;
    // The kernels compile while the header loads.
    void this.lodCore.init().catch(() => undefined);
    this.opening = openViewerDataset(url, {
      persistentCache: opts.persistentCache,
      workers: opts.workers ?? false,
      file: opts.file,
      quotaBytes: opts.quotaBytes,
      onOnlineChange: () => this.kick(),
    });
    // The GPU kernels (WASM SIMD where available) load once, while the dataset opens.
    const [ds] = await Promise.all([this.opening, loadGpuPrep()]);
    this.ds = ds;
    ds.onUnavailableChange(() => this.kick());
    for (const f of ds.info.fields) this.kinds.set(f.name, f.kind);
    const source: ViewerDataset = {
      ...ds,
      summary: async (a, signal) => {
        const s = await ds.summary(a, signal);
        this.out.summaries.push([a, s]);
        this.kick();
        return s;
      },
    };
    const store = new BrickStore(source, { cpuBudget: Number.POSITIVE_INFINITY });
    this.store = store;
    store.needsData = (a, s) =>
      this.kinds.get(a.field) !== "scalar" || !(s.max < (this.params[a.field]?.visibleFrom ?? -Infinity));
    store.gpuNorm = (a) => (this.kinds.get(a.field) === "scalar" ? this.params[a.field]?.norm : undefined);
    store.onLoaded = (a) => this.loaded(a);
    // Sent as soon as stored: a brick whose job was cancelled after its bytes arrived still reaches the page.
    store.onStored = (a, s) => {
      if (!this.sent.has(s.contentKey)) this.deliver(a, s);
      this.kick();
    };
    store.onError = (a, e) => {
      this.out.errors.push([a, serializeError(e)]);
      this.kick();
    };
    store.onUnavailable = (a) => {
      this.out.unavailable.push(a);
      this.kick();
    };
    ds.onReconnect(() => store.retryUnavailable());
    if (this.early) this.setWanted(this.early);
    this.early = undefined;
    this.kick();
    return {
      info: ds.info,
      url: ds.url,
      has: {
        features: ds.features !== undefined,
        offline: ds.offline !== undefined,
        probe: ds.probe !== undefined,
        line: ds.sampleLine !== undefined,
        stats: ds.stats !== undefined,
        region: ds.readRegion !== undefined,
      },
    };
  }

  /** The page's wish list and per-field view parameters (sent when they change). */
  setWanted(msg: WantedMessage): void {
    if (!this.store) {
      this.early = msg;
      return;
    }
    this.params = msg.params;
    // A normalization became known: the bricks held for it go out now.
    for (const [key, a] of [...this.held]) if (this.params[a.field]?.norm) this.release(key, a);
    this.store.setWanted(msg.reqs);
  }

  /** The page evicted these contents: they may be loaded (and sent) again. */
  forget(keys: string[]): void {
    for (const k of keys) {
      this.sent.delete(k);
      this.held.delete(k);
    }
    this.store?.drop(keys);
  }

  retryUnavailable(): void {
    this.store?.retryUnavailable();
  }

  /**
   * The LOD cut for the page's view (its camera, viewport and budget over the
   * node tree of the bricks it may draw): the core's kernel through
   * `reader/select-lod.ts selectCut`, here next to the brick table.
   */
  async selectLod(q: LodRequest): Promise<LodReply> {
    return serialized(async () => {
      const r = await this.lodCore.selectLod(q);
      return Comlink.transfer(r, [r.selected.buffer as ArrayBuffer]);
    });
  }

  /** Which kernels the LOD selection runs (the core's WASM SIMD build, or its JS twins). */
  lodImplementation(): Promise<string> {
    return this.lodCore.init();
  }

  /** The reader's pick (src/reader/pick.ts) at level 0, the ray clipped to [tMin, tMax]. */
  async pick(q: RemotePickQuery): Promise<{ ijk: Vec3; value: number; level: number } | null> {
    return serialized(async () => {
      const ds = await this.need();
      const origin = q.origin.map((o, i) => o + q.direction[i] * q.tMin) as Vec3;
      const query = {
        field: q.field,
        t: q.t,
        origin,
        direction: q.direction,
        maxDistance: Math.max(0, q.tMax - q.tMin),
        test: q.test,
      };
      // Offline, level 0 may not be cached: the finest level that is answers (not exact).
      const top = ds.info.levels.length - 1;
      for (let level = 0; ; level++) {
        try {
          return await ds.pick({ ...query, level });
        } catch (e) {
          if (!isFlatvoxError(e, "OfflineError") || level >= top) throw e;
        }
      }
    }).finally(() => this.kick());
  }

  async sample(field: string, t: number, ijk: Vec3, level?: number): Promise<number> {
    return serialized(async () => (await this.need()).sample(field, t, ijk, level)).finally(() =>
      this.kick(),
    );
  }

  /** Cancel the page's request `id` (its AbortSignal fired). */
  abort(id: number): void {
    this.requests.get(id)?.abort();
    this.requests.delete(id);
  }

  /** A brick's index summary (kept with the scheduler's, so it is read once). */
  summary(id: number, a: BrickAddress): Promise<BrickSummary> {
    return this.run(id, async (_ds, signal) => {
      if (!this.store) throw new FlatvoxError("QueryError", "the backend has no open dataset");
      return this.store.loadSummary(a, signal);
    });
  }

  /** One brick's values (and GPU form with `norm`), outside the scheduler. */
  readBrick(id: number, a: BrickAddress, norm?: GpuNorm): Promise<BrickPayload> {
    return this.run(id, async (ds, signal) => {
      // Cloned, not transferred: the reader may keep these values.
      return ds.readBrick(a, signal, norm);
    });
  }

  /**
   * A level-0 region's values, with the transport's requests and bytes while
   * it ran (other reads at the same time count too).
   */
  readRegion(
    id: number,
    field: string,
    t: number,
    box: { min: Vec3; max: Vec3 },
  ): Promise<{ values: TypedArray; before: TransferStats; after: TransferStats }> {
    return this.run(id, async (ds, signal) => {
      if (!ds.readRegion) throw new FlatvoxError("QueryError", "this dataset cannot read regions");
      const before = ds.transferStats();
      const read = await ds.readRegion(field, t, box, signal);
      const after = ds.transferStats();
      this.kick();
      const values = owned(read, () => read.slice() as typeof read);
      return Comlink.transfer({ values, before, after }, [values.buffer as ArrayBuffer]);
    });
  }

  stats(id: number, q: HistogramQuery): Promise<HistogramResult> {
    return this.run(id, async (ds, signal) => {
      if (!ds.stats) throw new FlatvoxError("QueryError", "this dataset has no region statistics");
      return ds.stats(q, signal);
    });
  }

  probe(
    id: number,
    field: string,
    box: { min: Vec3; max: Vec3 },
  ): ReturnType<NonNullable<ViewerDataset["probe"]>> {
    return this.run(id, async (ds, signal) => {
      if (!ds.probe) throw new FlatvoxError("QueryError", "this dataset has no probe series");
      return ds.probe(field, box, signal);
    });
  }

  sampleLine(
    id: number,
    field: string,
    t: number,
    from: Vec3,
    to: Vec3,
  ): ReturnType<NonNullable<ViewerDataset["sampleLine"]>> {
    return this.run(id, async (ds, signal) => {
      if (!ds.sampleLine) throw new FlatvoxError("QueryError", "this dataset cannot sample along a line");
      const r = await ds.sampleLine(field, t, from, to, signal);
      return Comlink.transfer(r, [r.distance.buffer, r.voxels.buffer, r.values.buffer] as ArrayBuffer[]);
    });
  }

  features(id: number, q: FeatureQuery): Promise<FeatureHit[]> {
    return this.run(id, async (ds, signal) => {
      if (!ds.features) throw new FlatvoxError("QueryError", "this dataset has no feature index");
      return ds.features(q, signal);
    });
  }

  track(id: number, track: number): Promise<TrackInfo | undefined> {
    return this.run(id, async (ds, signal) => {
      if (!ds.track) throw new FlatvoxError("QueryError", "this dataset has no feature index");
      return ds.track(track, signal);
    });
  }

  offlineEstimate(id: number, choice: OfflineChoice): Promise<OfflineSizeEstimate> {
    return this.run(id, async (ds, signal) => {
      if (!ds.offline) throw new FlatvoxError("QueryError", "no persistent cache for offline use");
      return ds.offline.estimate(choice, signal);
    });
  }

  offlineDownload(
    id: number,
    choice: OfflineChoice,
    from: number | undefined,
    onProgress?: (p: OfflineProgress) => void,
  ): Promise<OfflineProgress> {
    return this.run(id, async (ds, signal) => {
      if (!ds.offline) throw new FlatvoxError("QueryError", "no persistent cache for offline use");
      return ds.offline.download(choice, {
        signal,
        from,
        onProgress: onProgress && ((p) => void onProgress(p)),
      });
    });
  }

  async cachedBytes(): Promise<number> {
    return serialized(async () => (await this.need()).offline?.cachedBytes() ?? 0);
  }

  /** Write the cache's pending entries now; answers its counters after. */
  async flushCache(): Promise<BackendEvents["cacheStats"]> {
    return serialized(async () => {
      const c = (await this.need()).cache;
      await c?.flush();
      return c?.stats();
    });
  }

  /** The cache manager's listing, usage and deletions, done by the manager that writes (this one). */
  async cacheList(): Promise<CachedDatasetInfo[]> {
    return serialized(async () => (await this.need()).cache?.list() ?? []);
  }

  async cacheUsage(): Promise<CacheUsage | undefined> {
    return serialized(async () => (await this.need()).cache?.usage());
  }

  async cacheRemove(key?: string): Promise<void> {
    return serialized(async () => {
      const c = (await this.need()).cache;
      await (key === undefined ? c?.clear() : c?.remove(key));
    });
  }

  async setCacheQuota(bytes: number): Promise<void> {
    return serialized(async () => (await this.need()).cache?.setQuota(bytes));
  }

  /** A cancellable request of the page: its signal, errors as data, the id forgotten after, counters sent. */
  private run<T>(id: number, f: (ds: OpenedDataset, signal: AbortSignal) => Promise<T>): Promise<T> {
    const ctrl = new AbortController();
    this.requests.set(id, ctrl);
    return serialized(async () => f(await this.need(), ctrl.signal)).finally(() => {
      if (this.requests.get(id) === ctrl) this.requests.delete(id);
      // What the request fetched reaches the page's transport counters with the next batch.
      this.kick();
    });
  }

  close(): void {
    this.store?.setWanted([]);
    clearTimeout(this.flushTimer);
    this.ds?.close();
  }

  private need(): Promise<OpenedDataset> {
    // (picks, samples and the page's queries wait for an open in progress)
    if (this.ds) return Promise.resolve(this.ds);
    if (!this.opening)
      return Promise.reject(new FlatvoxError("QueryError", "the backend has no open dataset"));
    return this.opening;
  }

  private loaded(a: BrickAddress): void {
    this.out.loaded.push(a);
    const s = this.store?.summary(a);
    if (s && s.uniform === undefined && !this.sent.has(s.contentKey)) this.deliver(a, s);
    this.kick();
  }

  private release(key: string, a: BrickAddress): void {
    this.held.delete(key);
    const s = this.store?.summary(a);
    if (!s || s.contentKey !== key) return;
    this.deliver(a, s);
    this.out.loaded.push(a);
    this.kick();
  }

  /** Put a brick's page form in the outgoing batch and keep only a marker of it here. */
  private deliver(a: BrickAddress, s: BrickSummary): void {
    const store = this.store!;
    const p = store.payload(s);
    if (!p?.data) return;
    const d: BrickDelivery = { key: s.contentKey, dims: p.dims };
    if (this.kinds.get(a.field) === "scalar") {
      const norm = this.params[a.field]?.norm;
      if (!norm) {
        this.held.set(s.contentKey, a);
        return;
      }
      let ready =
        p.ready && p.ready.lo === norm.lo && p.ready.scale === norm.scale
          ? p.ready
          : prepareForGpu(p.data, { ...norm, dims: p.dims, level: a.level });
      const half = owned(ready.half, () => ready.half.slice());
      const blockMax = owned(ready.blockMax, () => ready.blockMax.slice());
      if (half !== ready.half || blockMax !== ready.blockMax) this.copies++;
      ready = { ...ready, half, blockMax };
      d.ready = ready;
      this.transfer.push(half.buffer as ArrayBuffer, blockMax.buffer as ArrayBuffer);
    } else {
      // Categorical: the ids stay here for meshing; the page learns which ids there are.
      const ids = new Set<number>();
      const v = p.data;
      for (let i = 0; i < v.length; i++) ids.add(v[i]);
      d.materials = [...ids];
      d.heldBytes = v.byteLength;
      this.out.bricks.push(d);
      this.sent.add(s.contentKey);
      return;
    }
    this.out.bricks.push(d);
    this.sent.add(s.contentKey);
    const marker: BrickPayload = { dims: p.dims, offThread: true };
    store.replacePayload(s.contentKey, marker);
  }

  /**
   * The face-culled mesh of a categorical brick the page was told about
   * (`voxel-mesher.ts`, the same code the page's mesh worker runs with
   * `?backend=off`), its buffers transferred: the brick's one crossing.
   */
  async mesh(key: string, req: MeshRequest, uniform?: number): Promise<MeshOutput> {
    const n = req.dims[0] * req.dims[1] * req.dims[2];
    const p =
      uniform !== undefined ? { data: new Float32Array(n).fill(uniform) } : this.store?.payloadByKey(key);
    if (!p?.data)
      throw serializeError(
        new FlatvoxError(
          "QueryError",
          `no categorical brick ${key} is held for meshing (evicted or never loaded)`,
        ),
      );
    const out = meshVoxels({ ...req, data: p.data });
    return Comlink.transfer(out, [
      out.positions.buffer,
      out.normals.buffer,
      out.colors.buffer,
      out.indices.buffer,
    ]);
  }

  private kick(): void {
    if (this.flushTimer !== undefined) return;
    this.flushTimer = setTimeout(() => this.flush(), 0);
  }

  private flush(): void {
    this.flushTimer = undefined;
    if (!this.port || !this.store || !this.ds) return;
    const ds = this.ds;
    const batch: BackendEvents = {
      ...this.out,
      stats: this.store.stats(),
      transfer: ds.transferStats(),
      copies: this.copies,
      online: ds.online(),
      missing: ds.unavailable(),
      corruptFound: ds.offline?.corruptFound() ?? 0,
      cacheStats: ds.cache?.stats(),
    };
    const transfer = this.transfer;
    this.out = emptyBatch();
    this.transfer = [];
    this.port.postMessage(batch, transfer);
  }
}
