/**
 * The viewer's WASM core: LOD selection (core createLodSelector) and picking
 * (core createRayKernels().octree, the hierarchical DDA) over node trees built
 * by node-tree.ts. Runs inside the viewer's core worker (core-worker.ts) and,
 * where workers are missing, in the page itself; the core picks the SIMD
 * build, else its JS twins.
 *
 * Picking needs brick values in core memory: the service keeps a
 * content-keyed copy of the bricks it was sent (LRU, bounded) and asks for
 * the ones a ray needs and it lacks.
 */
import { type Core, type Implementation, loadCore } from "../../core/core";
import { N_DATA, N_FLAGS, NODE_WORDS, RESIDENT } from "../../core/layout";
import { createLodSelector, type LodCamera, type LodKernels } from "../../core/lod";
import { rayCrosses } from "../../core/node-tree";
import { createRayKernels, type HitTest, type RayKernels } from "../../core/ray";
import { selectCut } from "../../reader/select-lod";
import type { DType, TypedArray, Vec3 } from "../../shared/types";

export interface LodRequest {
  records: ArrayBuffer;
  count: number;
  camera: LodCamera;
  budgetBytes: number;
  origin: Vec3;
  spacing: Vec3;
}

export interface LodReply {
  /** The selected cut (node indices), nearest first. */
  selected: Int32Array;
  bytes: number;
  visited: number;
  ms: number;
}

export interface PickRequest {
  records: ArrayBuffer;
  count: number;
  /** Resident nodes: [node index, content key]. */
  resident: [number, string][];
  dtype: DType;
  /** Level-0 voxel units. */
  origin: Vec3;
  direction: Vec3;
  tMin: number;
  tMax: number;
  test: HitTest;
  /** Brick values the caller sends along (keys the service asked for). */
  bricks?: [string, TypedArray][];
}

export type PickReply =
  | { missing: string[] }
  | {
      missing?: undefined;
      hit?: { ijk: Vec3; value: number; t: number; level: number };
      unresolved: number;
      steps: number;
      ms: number;
    };

/** Bytes of brick copies kept for picking. */
const BRICK_CACHE_BYTES = 96 * 2 ** 20;

export class ViewerCoreService {
  private ready?: Promise<{ core: Core; lod: LodKernels; ray: RayKernels }>;
  private readonly bricks = new Map<string, TypedArray>();
  private brickBytes = 0;

  init(implementation?: Implementation): Promise<Implementation> {
    this.ready ??= (async () => {
      const core = await loadCore(implementation ? { implementation } : {});
      return { core, lod: await createLodSelector(core), ray: await createRayKernels(core) };
    })();
    return this.ready.then((r) => r.core.implementation);
  }

  async selectLod(q: LodRequest): Promise<LodReply> {
    const { lod } = await this.kernels();
    const t0 = performance.now();
    // The reader's own kernel call (ds.selectLod uses it too).
    const r = selectCut(
      lod,
      new Int32Array(q.records, 0, q.count * NODE_WORDS),
      q.count,
      q.camera,
      { bytes: q.budgetBytes },
      { origin: q.origin, spacing: q.spacing },
    );
    return { selected: r.selected, bytes: r.bytes, visited: r.visited, ms: performance.now() - t0 };
  }

  async pick(q: PickRequest): Promise<PickReply> {
    const { core, ray } = await this.kernels();
    const sent = new Set<string>();
    for (const [k, v] of q.bricks ?? []) {
      this.keep(k, v, sent);
      sent.add(k);
    }
    const rec = new Int32Array(q.records, 0, q.count * NODE_WORDS);
    // Only bricks the ray passes through need values in core memory.
    const crossed = q.resident.filter(([n]) => rayCrosses(rec, n, q.origin, q.direction, q.tMin, q.tMax));
    const missing = crossed.filter(([, k]) => !this.bricks.has(k)).map(([, k]) => k);
    if (missing.length) return { missing: [...new Set(missing)] };
    const t0 = performance.now();
    const mem = core.memory;
    const m = mem.mark();
    try {
      const crossedSet = new Set(crossed.map(([n]) => n));
      for (const [n] of q.resident) if (!crossedSet.has(n)) rec[n * NODE_WORDS + N_FLAGS] &= ~RESIDENT;
      const ptrs = new Map<string, number>();
      for (const [n, k] of crossed) {
        let p = ptrs.get(k);
        if (p === undefined) {
          const data = this.touch(k)!;
          p = mem.copyIn(data);
          ptrs.set(k, p);
        }
        rec[n * NODE_WORDS + N_DATA] = p;
      }
      const nodes = mem.copyIn(rec);
      const r = ray.octree(
        nodes,
        0,
        q.dtype,
        { origin: q.origin, direction: q.direction, tMin: q.tMin, tMax: q.tMax },
        q.test,
      );
      return { hit: r.hit, unresolved: r.unresolved, steps: r.steps, ms: performance.now() - t0 };
    } finally {
      mem.release(m);
    }
  }

  /** Keys of the bricks held for picking (tests). */
  heldBricks(): string[] {
    return [...this.bricks.keys()];
  }

  private kernels() {
    void this.init();
    return this.ready!;
  }

  /** Keep a copy (oldest first out, never one sent with the current request). */
  private keep(key: string, data: TypedArray, sent: Set<string>): void {
    if (this.bricks.has(key)) return;
    this.bricks.set(key, data);
    this.brickBytes += data.byteLength;
    for (const [k, v] of this.bricks) {
      if (this.brickBytes <= BRICK_CACHE_BYTES) break;
      if (sent.has(k) || k === key) continue;
      this.bricks.delete(k);
      this.brickBytes -= v.byteLength;
    }
  }

  private touch(key: string): TypedArray | undefined {
    const v = this.bricks.get(key);
    if (v) {
      this.bricks.delete(key);
      this.bricks.set(key, v);
    }
    return v;
  }
}
