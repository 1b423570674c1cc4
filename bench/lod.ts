/**
 * LOD selection over a ~100k-node octree (a 44³ grid of 64³ level-0 bricks,
 * 2816³ voxels) for a camera inside the volume, in the WASM core and the JS
 * twin. Prints JSON. Run: npx tsx bench/lod.ts
 */
import type { Core } from "../src/core/core";
import { loadCore } from "../src/core/core";
import { allocNodes, HAS_CHILDREN, type OctreeNode, RESIDENT, writeNode } from "../src/core/layout";
import type { LodCamera } from "../src/core/lod";
import { createLodSelector } from "../src/core/lod";
import type { Vec3 } from "../src/shared/types";
import { levelCount } from "../test/helpers/octree-build";
import { compare, rng, round } from "./kernels-timing";

const B = 64;
const BRICKS = 44;
const dims: Vec3 = [B * BRICKS, B * BRICKS, B * BRICKS];

/** Full octree (no data): node records only, breadth-first, children contiguous. */
function buildNodes(core: Core): { ptr: number; count: number } {
  const levels = levelCount(dims, B);
  const list: OctreeNode[] = [];
  const r = rng(3);
  const node = (level: number, bi: Vec3, parent: number): OctreeNode => {
    const edge = B * 2 ** level;
    const min: Vec3 = [bi[0] * edge, bi[1] * edge, bi[2] * edge];
    return {
      min,
      max: [
        Math.min(dims[0], min[0] + edge),
        Math.min(dims[1], min[1] + edge),
        Math.min(dims[2], min[2] + edge),
      ],
      level,
      flags: r() < 0.7 ? RESIDENT : 0,
      firstChild: -1,
      childCount: 0,
      parent,
      dataPtr: -1,
      byteSize: 40_000 + Math.floor(r() * 200_000),
      vmin: 0,
      vmax: 1,
      geometricError: 2 ** level,
    };
  };
  list.push(node(levels - 1, [0, 0, 0], -1));
  for (let q = 0; q < list.length; q++) {
    const n = list[q];
    if (n.level === 0) continue;
    const edge = B * 2 ** (n.level - 1);
    const first = list.length;
    for (let dz = 0; dz < 2; dz++)
      for (let dy = 0; dy < 2; dy++)
        for (let dx = 0; dx < 2; dx++) {
          const bi: Vec3 = [n.min[0] / edge + dx, n.min[1] / edge + dy, n.min[2] / edge + dz];
          if (bi[0] * edge < dims[0] && bi[1] * edge < dims[1] && bi[2] * edge < dims[2])
            list.push(node(n.level - 1, bi, q));
        }
    n.firstChild = first;
    n.childCount = list.length - first;
    n.flags |= HAS_CHILDREN;
  }
  const nodes = allocNodes(core.memory, list.length);
  for (let i = 0; i < list.length; i++) writeNode(nodes.i32, nodes.f32, i, list[i]);
  return { ptr: nodes.ptr, count: list.length };
}

function camera(eye: Vec3, f: Vec3, fovy: number, aspect: number): LodCamera {
  const norm = (v: number[]) => v.map((x) => x / Math.hypot(...v));
  const cross = (a: number[], b: number[]) => [
    a[1] * b[2] - a[2] * b[1],
    a[2] * b[0] - a[0] * b[2],
    a[0] * b[1] - a[1] * b[0],
  ];
  const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const fw = norm(f);
  const rt = norm(cross(fw, [0, 1, 0]));
  const up = cross(rt, fw);
  const th = Math.tan(fovy / 2);
  const tw = th * aspect;
  const plane = (n: number[], p: number[]) => {
    const m = norm(n);
    return [...m, -dot(m, p)];
  };
  const add = (a: number[], b: number[], s: number) => a.map((x, i) => x + b[i] * s);
  return {
    eye,
    planes: [
      ...plane(fw, add(eye, fw, 1)),
      ...plane(
        fw.map((x) => -x),
        add(eye, fw, 1e5),
      ),
      ...plane(cross(up, add(fw, rt, tw)), eye),
      ...plane(cross(add(fw, rt, -tw), up), eye),
      ...plane(cross(add(fw, up, th), rt), eye),
      ...plane(cross(rt, add(fw, up, -th)), eye),
    ],
    viewportHeight: 1080,
    fovy,
    threshold: 16,
  };
}

async function main() {
  const cores = {
    wasm: await loadCore({ implementation: "wasm-simd" }),
    js: await loadCore({ implementation: "js" }),
  };
  const setups = await Promise.all(
    Object.values(cores).map(async (c) => ({ k: await createLodSelector(c), tree: buildNodes(c) })),
  );
  const grid = { origin: [0, 0, 0] as Vec3, spacing: [1, 1, 1] as Vec3 };
  const results = [];
  for (const { threshold, budgetMiB } of [
    { threshold: 16, budgetMiB: 512 },
    { threshold: 1, budgetMiB: 512 },
    { threshold: 0.25, budgetMiB: 4096 },
  ]) {
    const cam = { ...camera([700, 900, 500], [1, 0.2, 0.8], 0.9, 16 / 9), threshold };
    const budget = { bytes: budgetMiB * 2 ** 20 };
    const sel = setups.map((s) => s.k.select(s.tree.ptr, s.tree.count, 0, cam, budget, grid));
    if (sel[0].selected.join() !== sel[1].selected.join()) throw new Error("twins disagree");
    const cmp = compare(
      {
        wasm: () => setups[0].k.select(setups[0].tree.ptr, setups[0].tree.count, 0, cam, budget, grid),
        js: () => setups[1].k.select(setups[1].tree.ptr, setups[1].tree.count, 0, cam, budget, grid),
      },
      "js",
    );
    results.push({
      thresholdPx: threshold,
      budgetMiB,
      selected: sel[0].selected.length,
      visited: sel[0].visited,
      draw: sel[0].draw.length,
      fetch: sel[0].fetch.length,
      bytesSelected: sel[0].bytes,
      ms: { wasm: round(cmp.ms.wasm, 3), js: round(cmp.ms.js, 3) },
      wasmVsJs: round(cmp.speedup.wasm, 2),
    });
  }
  console.log(
    JSON.stringify({ bench: "lod-select", nodes: setups[0].tree.count, goal: "<= 2 ms", results }, null, 2),
  );
}

await main();
