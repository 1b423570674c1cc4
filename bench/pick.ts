/**
 * Picking on a sparse 512³ u8 scene (a few spherical blobs, 32³ bricks, all
 * cached): hierarchical DDA over the octree vs voxel-by-voxel DDA over the
 * same bricks, both in the WASM SIMD core (and the JS twin for reference),
 * interleaved in the same process. Also reports the hierarchical walk on the
 * same tree without per-cell stats (CELLS cleared). Prints JSON.
 *
 * Run: npx tsx bench/pick.ts [--before <flatvox.wasm>]
 * `--before` adds the hierarchical walk of another SIMD build (e.g. one
 * compiled from an older assembly/) on the same node array, same rounds.
 */
import { readFileSync } from "node:fs";
import type { Core } from "../src/core/core";
import { loadCore } from "../src/core/core";
import { CELLS, N_FLAGS, NODE_WORDS } from "../src/core/layout";
import type { Ray, RayKernels } from "../src/core/ray";
import { createRayKernels } from "../src/core/ray";
import { instantiateWasmCore } from "../src/core/wasm-loader";
import type { Vec3 } from "../src/shared/types";
import type { BuiltOctree } from "../test/helpers/octree-build";
import { buildOctree } from "../test/helpers/octree-build";
import { compare, rng, round, timeIt } from "./kernels-timing";

const SIZE = 512;
const BRICK = 32;
const dims: Vec3 = [SIZE, SIZE, SIZE];

const r = rng(2024);
const spheres = Array.from({ length: 12 }, () => ({
  c: [40 + r() * 432, 40 + r() * 432, 40 + r() * 432] as Vec3,
  rad: 6 + r() * 24,
}));

/** 200 inside a blob, 0 elsewhere; bricks that miss or sit inside every blob are uniform. */
function brick(level: number, origin: Vec3, size: Vec3): Uint8Array | number {
  const s = 2 ** level;
  const lo = origin.map((o) => o * s);
  const hi = origin.map((o, a) => (o + size[a]) * s);
  let touches = false;
  for (const { c, rad } of spheres) {
    let d2 = 0;
    for (let a = 0; a < 3; a++) {
      const q = Math.max(lo[a], Math.min(c[a], hi[a]));
      d2 += (q - c[a]) ** 2;
    }
    if (d2 <= rad * rad) touches = true;
  }
  if (!touches) return 0;
  const out = new Uint8Array(size[0] * size[1] * size[2]);
  for (let z = 0; z < size[2]; z++)
    for (let y = 0; y < size[1]; y++)
      for (let x = 0; x < size[0]; x++) {
        const p = [(origin[0] + x + 0.5) * s, (origin[1] + y + 0.5) * s, (origin[2] + z + 0.5) * s];
        for (const { c, rad } of spheres)
          if ((p[0] - c[0]) ** 2 + (p[1] - c[1]) ** 2 + (p[2] - c[2]) ** 2 <= rad * rad) {
            out[x + size[0] * (y + size[1] * z)] = 200;
            break;
          }
      }
  return out;
}

function rays(n: number): Ray[] {
  const q = rng(7);
  return Array.from({ length: n }, (_, i) => {
    // Half aimed at a blob (hits), half at random points (mostly misses).
    const target =
      i % 2 === 0 ? spheres[i % spheres.length].c : ([q() * SIZE, q() * SIZE, q() * SIZE] as Vec3);
    const th = q() * Math.PI * 2;
    const ph = Math.acos(2 * q() - 1);
    const origin: Vec3 = [
      256 + 700 * Math.sin(ph) * Math.cos(th),
      256 + 700 * Math.sin(ph) * Math.sin(th),
      256 + 700 * Math.cos(ph),
    ];
    const d: Vec3 = [target[0] - origin[0], target[1] - origin[1], target[2] - origin[2]];
    const l = Math.hypot(...d);
    return { origin, direction: [d[0] / l, d[1] / l, d[2] / l] };
  });
}

/** The whole level-0 grid as one dense array (the voxel-by-voxel baseline walks it). */
function denseGrid(): Uint8Array {
  const out = new Uint8Array(SIZE ** 3);
  for (const { c, rad } of spheres) {
    const lo = c.map((v) => Math.max(0, Math.floor(v - rad - 1)));
    const hi = c.map((v) => Math.min(SIZE, Math.ceil(v + rad + 1)));
    for (let z = lo[2]; z < hi[2]; z++)
      for (let y = lo[1]; y < hi[1]; y++)
        for (let x = lo[0]; x < hi[0]; x++)
          if ((x + 0.5 - c[0]) ** 2 + (y + 0.5 - c[1]) ** 2 + (z + 0.5 - c[2]) ** 2 <= rad * rad)
            out[x + SIZE * (y + SIZE * z)] = 200;
  }
  return out;
}

async function setup(core: Core): Promise<{ k: RayKernels; tree: BuiltOctree; dense: number }> {
  const tree = buildOctree(core.memory, { dims, brickSize: BRICK, dtype: "u8", brick });
  const dense = core.memory.copyIn(denseGrid());
  return { k: await createRayKernels(core), tree, dense };
}

async function main() {
  const t0 = performance.now();
  const simd = await setup(await loadCore({ implementation: "wasm-simd" }));
  const buildMs = performance.now() - t0;
  const js = await setup(await loadCore({ implementation: "js" }));
  const list = rays(400);
  const test = { threshold: 100 };
  // The same node array with the per-cell stats switched off.
  const noCells = simd.k.core.memory.alloc(simd.tree.count * 64);
  {
    const i32 = simd.k.core.memory.views().i32;
    i32.copyWithin(noCells >> 2, simd.tree.nodes >> 2, (simd.tree.nodes >> 2) + simd.tree.count * NODE_WORDS);
    for (let i = 0; i < simd.tree.count; i++) i32[(noCells >> 2) + i * NODE_WORDS + N_FLAGS] &= ~CELLS;
  }
  const at = process.argv.indexOf("--before");
  let before: RayKernels | undefined;
  if (at > 0) {
    // Another build on a copy of this core's memory: same node array, same pointers.
    const w = await instantiateWasmCore("simd", readFileSync(process.argv[at + 1]));
    const src = simd.k.core.memory.views().u8;
    w.memory.alloc(src.length - w.memory.mark());
    w.memory.views().u8.set(src);
    before = await createRayKernels({ implementation: "wasm-simd", memory: w.memory, ops: w.ops } as Core);
    // Older builds used up to 192 bytes of scratch per tree level past the facade's block.
    w.memory.alloc(192 * 32);
  }
  const run = (s: typeof simd, kind: "octree" | "grid") => {
    let hits = 0;
    let steps = 0;
    for (const ray of list) {
      const res =
        kind === "octree"
          ? s.k.octree(s.tree.nodes, 0, "u8", ray, test)
          : s.k.brick(s.dense, "u8", dims, ray, test);
      if (res.hit) hits++;
      steps += res.steps;
    }
    return { hits, steps };
  };
  const runOn = (k: RayKernels, nodes: number) => {
    let hits = 0;
    for (const ray of list) if (k.octree(nodes, 0, "u8", ray, test).hit) hits++;
    return hits;
  };
  const a = run(simd, "octree");
  const b = run(simd, "grid");
  if (a.hits !== b.hits) throw new Error(`hit counts differ: ${a.hits} ${b.hits}`);
  if (runOn(simd.k, noCells) !== a.hits) throw new Error("walk without cells disagrees");
  const perPick = (m: Record<string, number>) =>
    Object.fromEntries(Object.entries(m).map(([k, v]) => [k, round((1000 * v) / list.length, 3)]));
  const ratios = (m: Record<string, number>) =>
    Object.fromEntries(Object.entries(m).map(([k, v]) => [k, round(v, 2)]));
  // Phase 1, the goal: one WASM core, as an application has. The facade's
  // call sites stay monomorphic (calling the JS twin or a second build
  // through the same facade code would slow every column down).
  const cmp = compare(
    {
      hddaWasm: () => run(simd, "octree"),
      voxelDdaWasm: () => run(simd, "grid"),
      hddaWasmNoCells: () => runOn(simd.k, noCells),
    },
    "voxelDdaWasm",
    21,
    20,
  );
  let worst = 0;
  for (const ray of list) {
    const t = timeIt(() => simd.k.octree(simd.tree.nodes, 0, "u8", ray, test), 2, 3);
    if (t > worst) worst = t;
  }
  // Phase 2, references: the JS twin and (with --before) another build.
  const c = run(js, "octree");
  if (c.hits !== a.hits) throw new Error(`JS twin disagrees: ${c.hits} vs ${a.hits}`);
  const refs: Record<string, () => unknown> = {
    hddaWasm: () => run(simd, "octree"),
    voxelDdaWasm: () => run(simd, "grid"),
    hddaJs: () => run(js, "octree"),
  };
  if (before) {
    const k = before;
    if (runOn(k, simd.tree.nodes) !== a.hits) throw new Error("--before build disagrees");
    refs.hddaWasmBefore = () => runOn(k, simd.tree.nodes);
  }
  const ref = compare(refs, "voxelDdaWasm", 15, 20);
  console.log(
    JSON.stringify(
      {
        bench: "pick-sparse-512",
        nodes: simd.tree.count,
        buildMs: round(buildMs, 0),
        rays: list.length,
        hits: a.hits,
        stepsPerRay: { hdda: round(a.steps / list.length, 1), voxelDda: round(b.steps / list.length, 1) },
        usPerPick: perPick(cmp.ms),
        cpuUsPerPick: perPick(cmp.cpuMs),
        worstPickMsHddaWasm: round(worst, 4),
        hddaVsVoxelDda: round(cmp.speedup.hddaWasm, 1),
        vsVoxelDda: ratios(cmp.speedup),
        cpuVsVoxelDda: ratios(cmp.cpuSpeedup),
        references: {
          usPerPick: perPick(ref.ms),
          vsVoxelDda: ratios(ref.speedup),
          cpuVsVoxelDda: ratios(ref.cpuSpeedup),
        },
        goal: "hddaVsVoxelDda >= 10; one pick <= 2 ms",
      },
      null,
      2,
    ),
  );
}

await main();
