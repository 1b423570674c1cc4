/**
 * The page's dataset when the backend worker reads it: the same
 * `OpenedDataset` the page's own reader gives (src/viewer/data/dataset-adapter.ts),
 * answered by the backend. The page never opens the file itself: bricks come
 * through the backend's brick store (`backendStoreOf`), and every other read
 * (slice regions, histograms, probe series, features, picks, samples, offline
 * downloads) is a request to the backend, cancellable by its AbortSignal.
 * Online state, unavailable bricks and transport counters arrive with the
 * backend's event batches.
 */
import * as Comlink from "comlink";
import { reviveError, throwIfAborted } from "../../shared/errors";
import type { TypedArray } from "../../shared/types";
import type { OpenedDataset } from "../data/dataset-adapter";
import type { TransferStats, ViewerDataset } from "../data/viewer-types";
import type { Unavailable } from "../offline/availability";
import type { ViewerCache, ViewerCacheStats } from "../offline/offline-data";
import { loadQuotaSetting } from "../offline/settings";
import { BackendBrickStore, type BackendRemote } from "./backend-client";
import { BackendService } from "./backend-service";
import type { BackendEvents, OpenReply } from "./protocol";

const stores = new WeakMap<ViewerDataset, BackendBrickStore>();

/** The backend's brick store behind a dataset opened by `openBackendDataset`. */
export function backendStoreOf(ds: ViewerDataset): BackendBrickStore | undefined {
  return stores.get(ds);
}

interface Connection {
  remote: BackendRemote;
  where: "worker" | "page";
  port: MessagePort;
  worker?: Worker;
  reply: OpenReply;
}

export interface BackendOpenOptions {
  signal?: AbortSignal;
  file?: Blob;
  persistentCache?: boolean;
  /** Start no worker: run the backend in the page (as where module workers cannot start). */
  inPage?: boolean;
}

/** Open `url` in a backend worker (in the page where the worker cannot start). */
export async function openBackendDataset(url: string, opts: BackendOpenOptions = {}): Promise<OpenedDataset> {
  throwIfAborted(opts.signal);
  // Resolved here: relative to the page, not to the worker's script.
  const href = opts.file || typeof location === "undefined" ? url : new URL(url, location.href).href;
  const conn = await connect(href, opts);
  if (opts.signal?.aborted) {
    close(conn);
    throwIfAborted(opts.signal);
  }
  return remoteDataset(conn, opts.file);
}

function close(c: Connection): void {
  c.port.onmessage = null;
  c.port.close();
  void c.remote.close();
  c.worker?.terminate();
}

async function connect(url: string, opts: BackendOpenOptions): Promise<Connection> {
  const openOpts = {
    persistentCache: opts.persistentCache,
    file: opts.file,
    quotaBytes: loadQuotaSetting(),
  };
  if (!opts.inPage && typeof Worker === "function") {
    let worker: Worker | undefined;
    try {
      worker = new Worker(new URL("./backend-worker.ts", import.meta.url), { type: "module" });
    } catch {
      worker = undefined;
    }
    if (worker) {
      const w = worker;
      const ch = new MessageChannel();
      const remote = Comlink.wrap<BackendService>(w) as unknown as BackendRemote;
      // A worker script that cannot load (no module workers) fires "error" instead of answering.
      let broken = false;
      const failed = new Promise<never>((_, reject) =>
        w.addEventListener("error", (e) => {
          broken = true;
          reject(e);
        }),
      );
      try {
        const reply = await Promise.race([
          remote.open(url, Comlink.transfer(ch.port2, [ch.port2]), openOpts),
          failed,
        ]);
        return { remote, where: "worker", port: ch.port1, worker: w, reply };
      } catch (e) {
        if (!broken) {
          w.terminate();
          throw reviveError(e);
        }
        w.terminate();
      }
    }
  }
  const ch = new MessageChannel();
  const service = new BackendService();
  try {
    const reply = await service.open(url, ch.port2, openOpts);
    return { remote: service, where: "page", port: ch.port1, reply };
  } catch (e) {
    throw reviveError(e);
  }
}

const NONE: Unavailable = { count: 0, levels: [], times: [], corrupt: 0 };

function addCacheStats(a: ViewerCacheStats, b?: ViewerCacheStats): ViewerCacheStats {
  if (!b) return a;
  const out = { ...a };
  for (const k of Object.keys(out) as (keyof ViewerCacheStats)[]) out[k] += b[k];
  return out;
}

function remoteDataset(c: Connection, file?: Blob): OpenedDataset {
  const { remote, reply } = c;
  const store = new BackendBrickStore(remote, c.where);
  const state = {
    online: true,
    missing: NONE,
    corrupt: 0,
    transfer: { requests: 0, bytes: 0, cacheHits: 0 } as TransferStats,
    cache: undefined as ViewerCacheStats | undefined,
  };
  const listeners = new Set<() => void>();
  c.port.onmessage = (e: MessageEvent<BackendEvents>) => {
    const b = e.data;
    store.receive(b);
    const changed =
      b.missing.count !== state.missing.count ||
      b.missing.corrupt !== state.missing.corrupt ||
      b.missing.levels.join() !== state.missing.levels.join() ||
      b.missing.times.join() !== state.missing.times.join();
    state.online = b.online;
    state.missing = b.missing;
    state.corrupt = b.corruptFound;
    state.transfer = b.transfer;
    state.cache = b.cacheStats;
    if (changed) for (const l of [...listeners]) l();
  };
  let nextId = 1;
  /** A request the page may cancel: its signal aborts the backend's side. */
  const call = async <T>(signal: AbortSignal | undefined, f: (id: number) => Promise<T>): Promise<T> => {
    throwIfAborted(signal);
    const id = nextId++;
    const onAbort = () => void remote.abort(id);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      return await f(id);
    } catch (e) {
      throw reviveError(e);
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  };
  const has = reply.has;
  const regionCounted = (
    field: string,
    t: number,
    box: { min: [number, number, number]; max: [number, number, number] },
    signal?: AbortSignal,
  ) =>
    call(signal, (id) => remote.readRegion(id, field, t, box)).then((r) => {
      if (r.after.requests >= state.transfer.requests) state.transfer = r.after;
      return {
        values: r.values as TypedArray,
        requests: r.after.requests - r.before.requests,
        bytes: r.after.bytes - r.before.bytes,
      };
    });
  const ds: OpenedDataset = {
    url: reply.url,
    info: reply.info,
    ...(file ? { file } : {}),
    summary: (a, signal) => {
      const s = store.summary(a);
      return s ? Promise.resolve(s) : call(signal, (id) => remote.summary(id, a));
    },
    readBrick: (a, signal, norm) => call(signal, (id) => remote.readBrick(id, a, norm)),
    sample: (field, t, point, level) => call(undefined, () => remote.sample(field, t, point, level)),
    readRegion: has.region
      ? (field, t, box, signal) => regionCounted(field, t, box, signal).then((r) => r.values)
      : undefined,
    readRegionCounted: has.region ? regionCounted : undefined,
    stats: has.stats ? (q, signal) => call(signal, (id) => remote.stats(id, q)) : undefined,
    probe: has.probe ? (field, box, signal) => call(signal, (id) => remote.probe(id, field, box)) : undefined,
    sampleLine: has.line
      ? (field, t, from, to, signal) => call(signal, (id) => remote.sampleLine(id, field, t, from, to))
      : undefined,
    features: has.features ? (q, signal) => call(signal, (id) => remote.features(id, q)) : undefined,
    track: has.features ? (tid, signal) => call(signal, (id) => remote.track(id, tid)) : undefined,
    pick: (q, signal) =>
      call(signal, () =>
        remote.pick({
          field: q.field,
          t: q.t,
          origin: q.origin,
          direction: q.direction,
          tMin: 0,
          tMax: q.maxDistance ?? Number.POSITIVE_INFINITY,
          test: q.test,
        }),
      ),
    transferStats: () => state.transfer,
    online: () => state.online,
    unavailable: () => state.missing,
    onUnavailableChange(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    // The backend retries its unavailable bricks itself when the source returns.
    onReconnect: () => () => {},
    offline: has.offline
      ? {
          estimate: (choice, signal) => call(signal, (id) => remote.offlineEstimate(id, choice)),
          download: (choice, o) =>
            call(o.signal, (id) =>
              remote.offlineDownload(
                id,
                choice,
                o.from,
                o.onProgress && (c.worker ? Comlink.proxy(o.onProgress) : o.onProgress),
              ),
            ),
          cachedBytes: () => call(undefined, () => remote.cachedBytes()),
          corruptFound: () => state.corrupt,
        }
      : undefined,
    // The page and the backend share one IndexedDB store; the backend writes what it fetched.
    // Listing, usage and deletions go to the backend's manager (the page's would not know its writes).
    cacheView: (page: ViewerCache): ViewerCache => ({
      ...page,
      list: () => call(undefined, () => remote.cacheList()),
      async usage() {
        return (await call(undefined, () => remote.cacheUsage())) ?? page.usage();
      },
      remove: (key) => call(undefined, () => remote.cacheRemove(key)),
      clear: () => call(undefined, () => remote.cacheRemove()),
      async flush() {
        state.cache = await call(undefined, () => remote.flushCache());
        await page.flush();
      },
      async setQuota(bytes) {
        await call(undefined, () => remote.setCacheQuota(bytes));
        await page.setQuota(bytes);
      },
      stats: () => addCacheStats(page.stats(), state.cache),
    }),
    close() {
      stores.delete(ds);
      close(c);
    },
  };
  stores.set(ds, store);
  return ds;
}
