/**
 * Categorical field layer: one face-culled mesh per brick, built off the page:
 * by the backend worker that holds the brick's ids (`mesher`, the default data
 * path), else (`?backend=off`) by the mesh worker from the ids the page holds.
 * Meshes live in level-0 voxel units (the dataset's root object maps them to world).
 * A node is drawn when all of its selected children cannot be; so a coarse
 * parent stays on screen until every child mesh has arrived.
 */
import * as Comlink from "comlink";
import * as THREE from "three";
import { brickDims, type OctNode } from "../../core/octree";
import type { Vec3 } from "../../shared/types";
import type { BrickPayload, BrickSummary, ViewerInfo } from "../data/viewer-types";
import type { SelectedNode } from "../lod/lod-selection";
import { brickCost, crossed, onMain } from "../stream/brick-cost";
import type { MeshWorkerApi } from "./mesh-worker";
import type { MeshOutput, MeshRequest } from "./voxel-mesher";

export interface VoxelNodeInput {
  node: SelectedNode;
  summary?: BrickSummary;
  data?: ArrayLike<number> & { slice(): unknown };
}

/** A brick's content: its ids on the page, a uniform value, or neither (ids held where `mesher` runs). */
export type VoxelContent = { key: string; data?: ArrayLike<number>; uniform?: number };

/** Meshes a brick whose ids are held elsewhere, by content key (or a uniform brick of value `uniform`). */
export type RemoteMesher = (key: string, req: MeshRequest, uniform?: number) => Promise<MeshOutput>;

/** The layer's content for a brick with a payload: the page's ids, or a reference to the backend's. */
export function voxelContent(key: string, p: BrickPayload): VoxelContent {
  return p.data ? { key, data: p.data } : { key };
}

export interface MeshStyle {
  /** No-data value; NaN when the field has none. */
  fill: number;
  hidden: number[];
  palette: Record<number, [number, number, number]>;
  /** Level-0 voxel box. */
  clip: { min: Vec3; max: Vec3 };
}

interface Entry {
  mesh?: THREE.Mesh;
  bytes: number;
  pending: boolean;
  used: number;
  /** Mesh dropped for the GPU budget while finer meshes cover the node; rebuilt when needed again. */
  parked?: boolean;
  /** Whether the node's children were selected too, at the last update. */
  refined?: boolean;
}

export class VoxelLayer {
  readonly group = new THREE.Group();
  readonly material: THREE.MeshLambertMaterial;
  gpuBytes = 0;
  meshMs = 0;
  meshed = 0;
  private builtBytes = 0;
  private worker?: Worker;
  private api?: Comlink.Remote<MeshWorkerApi>;
  private readonly entries = new Map<string, Entry>();
  private tick = 0;
  private hiddenKey = "";
  private shown = new Map<string, Entry>();
  onMeshed: () => void = () => {};

  constructor(
    private readonly info: ViewerInfo,
    private gpuBudget: number,
    /** The backend's mesher (bricks whose ids it holds); the mesh worker starts only for ids on the page. */
    private readonly mesher?: RemoteMesher,
  ) {
    this.material = new THREE.MeshLambertMaterial({ vertexColors: true, side: THREE.FrontSide });
    // The dataset's root object carries the grid → world transform.
  }

  /** Mean GPU bytes of the meshes built so far (undefined before the first). */
  averageMeshBytes(): number | undefined {
    return this.meshed ? this.builtBytes / this.meshed : undefined;
  }

  setGpuBudget(bytes: number): void {
    this.gpuBudget = bytes;
  }

  /**
   * Draw the selected nodes that have meshes, requesting meshes for ready
   * bricks that lack one. Returns how many selected nodes are still without a mesh.
   */
  update(
    nodes: { node: SelectedNode; content?: { key: string; data?: ArrayLike<number>; uniform?: number } }[],
    field: MeshStyle,
  ): { missing: number } {
    const hk = `${field.hidden.join(",")}|${field.clip.min.join(",")}|${field.clip.max.join(",")}|${paletteKey(field.palette)}`;
    if (hk !== this.hiddenKey) {
      this.hiddenKey = hk;
      this.clear();
    }
    this.tick++;
    const meshFor = new Map<string, Entry>();
    const parked: { node: SelectedNode; key: string; e: Entry; content: VoxelContent }[] = [];
    let missing = 0;
    for (const { node, content } of nodes) {
      const nk = `${node.level}/${node.brick.join(",")}`;
      if (!content) {
        missing++;
        continue;
      }
      // The style is part of the key: a mesh built for another clip box or hidden set is never reused.
      const key = `${nk}|${content.key}|${hk}`;
      let e = this.entries.get(key);
      if (e) e.refined = node.refined;
      if (e?.parked) {
        e.used = this.tick;
        parked.push({ node, key, e, content });
        continue;
      }
      if (!e) {
        e = { bytes: 0, pending: true, used: this.tick, refined: node.refined };
        this.entries.set(key, e);
        void this.build(key, e, node, content, field);
      }
      e.used = this.tick;
      if (!e.pending) meshFor.set(nk, e);
      else {
        missing++;
        // Until the new mesh arrives keep the one this node showed before (e.g. the previous timestep).
        const prev = this.shown.get(nk);
        if (prev?.mesh && prev.mesh.parent === this.group) {
          prev.used = this.tick;
          meshFor.set(nk, prev);
        }
      }
    }
    this.shown = meshFor;
    // Cover the selected tree: children when they can all be drawn, else the node itself.
    const selected = new Map(nodes.map((n) => [`${n.node.level}/${n.node.brick.join(",")}`, n.node]));
    const kids = new Map<string, SelectedNode[]>();
    for (const n of selected.values()) {
      const pk = `${n.level + 1}/${n.brick.map((b) => b >> 1).join(",")}`;
      if (selected.has(pk)) {
        const list = kids.get(pk) ?? [];
        list.push(n);
        kids.set(pk, list);
      }
    }
    const draw = new Set<Entry>();
    const cover = (n: SelectedNode): Entry[] | undefined => {
      const k = `${n.level}/${n.brick.join(",")}`;
      const cs = kids.get(k);
      if (cs?.length) {
        const parts: Entry[] = [];
        let ok = true;
        for (const c of cs) {
          const sub = cover(c);
          if (!sub) {
            ok = false;
            break;
          }
          parts.push(...sub);
        }
        if (ok) return parts;
      }
      const e = meshFor.get(k);
      return e ? [e] : undefined;
    };
    // A parked node whose children no longer cover it is built again.
    for (const p of parked) {
      if (cover(p.node)) continue;
      p.e.parked = false;
      p.e.pending = true;
      missing++;
      void this.build(p.key, p.e, p.node, p.content, field);
    }
    // Where no full cover exists, draw whatever part of the subtree is ready.
    const place = (n: SelectedNode): void => {
      const c = cover(n);
      if (c) for (const e of c) draw.add(e);
      else for (const k of kids.get(`${n.level}/${n.brick.join(",")}`) ?? []) place(k);
    };
    for (const n of selected.values()) {
      if (!selected.has(`${n.level + 1}/${n.brick.map((b) => b >> 1).join(",")}`)) place(n);
    }
    for (const e of this.entries.values()) if (e.mesh) e.mesh.visible = draw.has(e);
    this.evict();
    return { missing };
  }

  private async build(
    key: string,
    entry: Entry,
    node: OctNode,
    content: VoxelContent,
    field: MeshStyle,
  ): Promise<void> {
    const dims = brickDims(this.info, node);
    const n = dims[0] * dims[1] * dims[2];
    const B = this.info.brickSize;
    const s = 2 ** node.level;
    const req: MeshRequest = {
      dims,
      origin: node.brick.map((b) => b * B * s) as Vec3,
      scale: s,
      fill: field.fill,
      hidden: field.hidden,
      palette: field.palette,
      clip: field.clip,
    };
    const t0 = performance.now();
    let out: MeshOutput;
    try {
      if (this.mesher && content.data === undefined) {
        // The ids are in the backend (or the brick is uniform): it meshes and transfers the mesh, the one crossing.
        out = await this.mesher(content.key, req, content.uniform);
      } else if (content.data === undefined && content.uniform === undefined) {
        throw new Error("no mesher for a brick whose ids are not on the page");
      } else {
        const data = onMain(() =>
          content.data !== undefined
            ? (content.data as unknown as { slice(): Uint32Array }).slice()
            : new Float32Array(n).fill(content.uniform ?? field.fill),
        );
        crossed();
        out = await this.meshWorker().mesh(
          Comlink.transfer({ ...req, data: data as never }, [
            (data as unknown as { buffer: ArrayBuffer }).buffer,
          ]),
        );
      }
    } catch {
      if (this.entries.get(key) === entry) this.entries.delete(key);
      return;
    }
    this.meshMs += performance.now() - t0;
    this.meshed++;
    // The entry was dropped (style change, eviction) or replaced while the worker meshed: the result is stale.
    const e = entry;
    if (this.entries.get(key) !== e || !e.pending || e.mesh) return;
    const t1 = performance.now();
    const g = new THREE.BufferGeometry();
    g.setAttribute("position", new THREE.BufferAttribute(out.positions, 3));
    g.setAttribute("normal", new THREE.BufferAttribute(out.normals, 3, true));
    g.setAttribute("color", new THREE.BufferAttribute(out.colors, 3, true));
    g.setIndex(new THREE.BufferAttribute(out.indices, 1));
    g.computeBoundingSphere();
    const mesh = new THREE.Mesh(g, this.material);
    // level/brick, for inspection.
    mesh.name = `${node.level}/${node.brick.join(",")}`;
    mesh.visible = false;
    mesh.matrixAutoUpdate = false;
    e.mesh = mesh;
    e.pending = false;
    e.bytes =
      out.positions.byteLength + out.normals.byteLength + out.colors.byteLength + out.indices.byteLength;
    this.gpuBytes += e.bytes;
    this.builtBytes += e.bytes;
    this.group.add(mesh);
    // A mesh asked for by an earlier selection may land after the view moved on: keep within the budget now,
    // not only at the next update (that mesh, no longer used, is the first to go).
    this.evict();
    brickCost.mainMs += performance.now() - t1;
    this.onMeshed();
  }

  private meshWorker(): Comlink.Remote<MeshWorkerApi> {
    if (!this.api) {
      this.worker = new Worker(new URL("./mesh-worker.ts", import.meta.url), { type: "module" });
      this.api = Comlink.wrap<MeshWorkerApi>(this.worker);
    }
    return this.api;
  }

  private evict(): void {
    if (this.gpuBytes <= this.gpuBudget) return;
    const old = [...this.entries.entries()]
      .filter(([, e]) => !e.pending && e.used < this.tick)
      .sort((a, b) => a[1].used - b[1].used);
    for (const [k, e] of old) {
      if (this.gpuBytes <= this.gpuBudget) break;
      this.drop(k, e);
    }
    // Still over: park hidden meshes of refined nodes (their children draw instead), largest first.
    const hidden = [...this.entries.values()]
      .filter((e) => e.refined && e.mesh && !e.mesh.visible && !e.pending)
      .sort((a, b) => b.bytes - a.bytes);
    for (const e of hidden) {
      if (this.gpuBytes <= this.gpuBudget) break;
      this.group.remove(e.mesh!);
      e.mesh!.geometry.dispose();
      e.mesh = undefined;
      this.gpuBytes -= e.bytes;
      e.bytes = 0;
      e.parked = true;
    }
  }

  private drop(k: string, e: Entry): void {
    if (e.mesh) {
      this.group.remove(e.mesh);
      e.mesh.geometry.dispose();
    }
    this.gpuBytes -= e.bytes;
    this.entries.delete(k);
  }

  clear(): void {
    for (const [k, e] of [...this.entries]) this.drop(k, e);
  }

  dispose(): void {
    this.clear();
    this.material.dispose();
    this.worker?.terminate();
  }
}

/** Colours are baked into the meshes: a palette edit rebuilds them. */
function paletteKey(p: Record<number, [number, number, number]>): string {
  return Object.entries(p)
    .map(([k, c]) => `${k}:${c.join(".")}`)
    .join(";");
}
