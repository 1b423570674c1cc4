/**
 * The page's handle on the viewer core: a dedicated module worker running
 * ViewerCoreService (node records are transferred, not cloned), or the same
 * service in the page where workers cannot start. Either way the kernels are
 * the core's WASM SIMD build, or its JS twins where WASM SIMD is missing.
 */
import * as Comlink from "comlink";
import type { Implementation } from "../../core/core";
import type { TypedArray } from "../../shared/types";
import { mark } from "../app/marks";
import { crossed } from "../stream/brick-cost";
import {
  type LodReply,
  type LodRequest,
  type PickReply,
  type PickRequest,
  ViewerCoreService,
} from "./core-service";

/** Whatever runs the LOD kernel (`selectCut`): the core worker, or the backend worker next to its brick table. */
export interface LodSelector {
  /** Where the kernel runs ("worker", "page"; the backend's are "backend-worker", "backend-page") and its implementation. */
  readonly where: string;
  implementation?: Implementation;
  selectLod(q: LodRequest): Promise<LodReply>;
}

export interface ViewerCore extends LodSelector {
  /** Where the kernels run: "worker" or "page", and which implementation. */
  readonly where: "worker" | "page";
  implementation?: Implementation;
  selectLod(q: LodRequest): Promise<LodReply>;
  /** Picks, sending the brick values the service asks for (looked up by content key). */
  pick(
    q: PickRequest,
    data: (key: string) => TypedArray | undefined,
  ): Promise<Exclude<PickReply, { missing: string[] }> | undefined>;
  dispose(): void;
}

type Remote = Pick<ViewerCoreService, "init" | "selectLod" | "pick">;

export function createViewerCore(
  opts: { worker?: boolean; implementation?: Implementation } = {},
): ViewerCore {
  let remote: Remote;
  let where: "worker" | "page" = "page";
  let worker: Worker | undefined;
  if (opts.worker !== false && typeof Worker === "function") {
    try {
      worker = new Worker(new URL("./core-worker.ts", import.meta.url), { type: "module" });
      remote = Comlink.wrap<ViewerCoreService>(worker) as unknown as Remote;
      where = "worker";
    } catch {
      worker = undefined;
    }
  }
  remote ??= new ViewerCoreService();
  const api: ViewerCore = {
    where,
    selectLod: (q) => remote.selectLod(worker ? Comlink.transfer(q, [q.records]) : q),
    async pick(q, data) {
      let bricks: [string, TypedArray][] | undefined;
      // At most two rounds: the service names the bricks it lacks, then gets them.
      for (let round = 0; round < 3; round++) {
        // The service writes into the records: each round gets its own copy.
        const records = q.records.slice(0);
        const req: PickRequest = { ...q, records, bricks };
        const moved = [records, ...(bricks ?? []).map(([, d]) => d.buffer as ArrayBuffer)];
        const r = await remote.pick(worker ? Comlink.transfer(req, moved) : req);
        if (!r.missing) return r;
        bricks = [];
        for (const k of r.missing) {
          const d = data(k);
          if (d) bricks.push([k, d.slice() as TypedArray]);
          if (d && worker) crossed();
        }
        if (bricks.length < r.missing.length) return undefined;
      }
      return undefined;
    },
    dispose() {
      worker?.terminate();
    },
  };
  void remote.init(opts.implementation).then((impl) => {
    mark("core-ready");
    api.implementation = impl;
  });
  return api;
}

let shared: ViewerCore | undefined;

/**
 * The page's shared core, started on first use: calling this early (while
 * the dataset opens) hides the worker's start and WASM compile.
 */
export function sharedViewerCore(): ViewerCore {
  shared ??= createViewerCore();
  return shared;
}
