/**
 * A categorical "material world": a layered, folded rock column with ore
 * bodies under a noise terrain, eroded over time by rivers and hillslope creep
 * (terrain-erosion.ts) while the sea rises and falls. z is up. Air above the
 * terrain and the granite basement are uniform over whole bricks, and only
 * voxels near the surface change between timesteps, so most bricks are uniform
 * or identical to the previous timestep.
 */
import type { Vec3 } from "../shared/types";
import type { ArrayTimestepData, DatasetSpec, MetadataValue } from "../writer/pack-types";
import { fbm2, mulberry32, valueNoise3 } from "./prng";
import { EROSION_DEFAULTS, type ErosionParams, Landscape } from "./terrain-erosion";

/** Material names in id order, and their colours (0xRRGGBB). */
const MATERIAL_NAMES =
  "air,water,soil,sediment,sandstone,shale,limestone,coal,granite,iron ore,copper ore,gold ore";
const MATERIAL_COLORS = [
  0x000000, 0x306ec8, 0x608038, 0xdec88c, 0xc89660, 0x64646e, 0xbebaaa, 0x1e1c1c, 0x966e6e, 0x964628,
  0x3ca08c, 0xf0c828,
];

export const MATERIALS: readonly { id: number; name: string; color: readonly [number, number, number] }[] =
  MATERIAL_NAMES.split(",").map((name, id) => {
    const c = MATERIAL_COLORS[id];
    return { id, name, color: [c >> 16, (c >> 8) & 0xff, c & 0xff] };
  });

export const MAT = {
  air: 0,
  water: 1,
  soil: 2,
  sediment: 3,
  sandstone: 4,
  shale: 5,
  limestone: 6,
  coal: 7,
  granite: 8,
  iron: 9,
  copper: 10,
  gold: 11,
} as const;

/** Strata from the bottom: material and the top of its layer as a fraction of nz. */
const STRATA: [number, number][] = [
  [MAT.granite, 0.34],
  [MAT.shale, 0.38],
  [MAT.limestone, 0.42],
  [MAT.coal, 0.435],
  [MAT.sandstone, 0.47],
  [MAT.shale, 0.5],
  [MAT.limestone, Number.POSITIVE_INFINITY],
];
/** Terrain heights span this range of nz: the upper half is all air, the basement below ~0.26 nz all granite. */
const TERRAIN_RANGE: [number, number] = [0.3, 0.48];

export interface MaterialWorldOptions {
  /** Grid edge (cubic), or explicit dims [nx, ny, nz] (z up). Default 128. */
  size?: number | Vec3;
  /** Saved timesteps (default 24). */
  steps?: number;
  /** Erosion iterations between saved timesteps (default 4). */
  substeps?: number;
  /** Erosion iterations before the first saved timestep (default 20). */
  warmup?: number;
  seed?: number;
  erosion?: Partial<ErosionParams>;
}

export function materialWorldDemo(opts: MaterialWorldOptions = {}): {
  spec: DatasetSpec;
  steps: Iterable<ArrayTimestepData>;
} {
  const dims: Vec3 =
    typeof opts.size === "object" ? opts.size : [opts.size ?? 128, opts.size ?? 128, opts.size ?? 128];
  const [nx, ny, nz] = dims;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 8 || d > 2048)
      throw new RangeError(`dims must be integers in 8..2048, got ${dims}`);
  }
  const steps = opts.steps ?? 24;
  const substeps = opts.substeps ?? 4;
  const warmup = opts.warmup ?? 20;
  const seed = opts.seed ?? 1;
  const erosion: ErosionParams = { ...EROSION_DEFAULTS, ...opts.erosion };
  if (!Number.isInteger(steps) || steps < 1)
    throw new RangeError(`steps must be a positive integer, got ${steps}`);
  const totalIterations = warmup + (steps - 1) * substeps;
  const kyrPerIteration = 1;

  const h0 = initialTerrain(nx, ny, nz, seed);
  const seaBase = quantile(h0, 0.12);
  const seaAmplitude = Math.max(1, nz * 0.02);
  /** The sea rises over the first half of the run and falls back. */
  const seaAt = (iteration: number) =>
    seaBase + seaAmplitude * Math.sin((Math.PI * iteration) / totalIterations);

  const palette: MetadataValue[] = MATERIALS.map((m) => ({ id: m.id, name: m.name, color: [...m.color] }));
  const spec: DatasetSpec = {
    dims: [nx, ny, nz],
    origin: [0, 0, 0],
    spacing: [1, 1, 1],
    fields: [
      {
        name: "material",
        dtype: "u16",
        kind: "categorical",
        units: "",
        fill: MAT.air,
        description: "material id; see metadata.palette",
      },
    ],
    times: Array.from({ length: steps }, (_, i) => (warmup + i * substeps) * kyrPerIteration),
    timeUnits: "kyr",
    metadata: {
      title: `Eroding material world ${nx}×${ny}×${nz}`,
      simulation: `material-world-${nx}x${ny}x${nz}-s${seed}`,
      code: "flatvox material-world",
      tags: ["demo", "geology", "erosion", "categorical"],
      description:
        "Layered, folded strata with ore bodies under a noise terrain, carved by rivers (stream-power incision, deposition in lakes and sea) and hillslope creep while the sea level rises and falls.",
      created: new Date().toISOString(),
      up: "z",
      palette,
      parameters: {
        seed,
        K: erosion.K,
        m: erosion.m,
        creep: erosion.creep,
        settle: erosion.settle,
        substeps,
        warmup,
        seaLevelBase: round3(seaBase),
        seaLevelAmplitude: round3(seaAmplitude),
      },
    },
  };

  function* generate(): Generator<ArrayTimestepData> {
    const rock = buildRock(nx, ny, nz, h0, seed);
    const land = new Landscape(nx, ny, h0, erosion);
    let iteration = 0;
    const run = (count: number) => {
      for (let i = 0; i < count; i++) land.step(seaAt(iteration++));
    };
    run(warmup);
    for (let t = 0; t < steps; t++) {
      if (t > 0) run(substeps);
      yield { index: t, fields: { material: voxelize(land, rock, nz, seaAt(iteration)) } };
    }
  }
  return { spec, steps: { [Symbol.iterator]: generate } };
}

/** Heights in voxels: rolling fbm hills plus a broad ridge, stretched to TERRAIN_RANGE of nz. */
export function initialTerrain(nx: number, ny: number, nz: number, seed: number): Float64Array {
  const h = new Float64Array(nx * ny);
  const scale = Math.max(nx, ny) / 2;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      const base = fbm2(x, y, scale, 6, seed * 7919 + 11);
      const ridge = 1 - Math.abs(2 * fbm2(x, y, scale * 1.5, 3, seed * 7919 + 29) - 1);
      const v = base + 0.5 * ridge * ridge;
      h[x + nx * y] = v;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  const [a, b] = TERRAIN_RANGE;
  for (let i = 0; i < h.length; i++) h[i] = nz * (a + ((b - a) * (h[i] - lo)) / Math.max(hi - lo, 1e-9));
  return h;
}

/** The undisturbed subsurface: soil over folded strata with ore bodies (below the initial surface). */
export function buildRock(nx: number, ny: number, nz: number, h0: Float64Array, seed: number): Uint16Array {
  const rock = new Uint16Array(nx * ny * nz);
  const warpScale = Math.max(nx, ny) / 3;
  const fold = nz * 0.05;
  const warp = nz * 0.03;
  const soilDepth = Math.max(1.5, nz * 0.02);
  const tops = new Float64Array(STRATA.length);
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      // One shared fold plus a per-boundary warp: layers bend together but not identically.
      const anticline = fold * Math.sin((2 * Math.PI * (x + 0.4 * y)) / (1.3 * nx) + seed);
      for (let s = 0; s < STRATA.length; s++) {
        tops[s] =
          nz * STRATA[s][1] + anticline + warp * (2 * fbm2(x, y, warpScale, 3, seed * 31 + s * 101) - 1);
      }
      const surface = h0[x + nx * y];
      for (let z = 0; z < nz; z++) {
        const c = z + 0.5;
        if (c >= surface) break;
        let mat: number = MAT.soil;
        if (c < surface - soilDepth) {
          let s = 0;
          while (c >= tops[s]) s++;
          mat = STRATA[s][0];
        }
        rock[x + nx * (y + ny * z)] = mat;
      }
    }
  }
  placeOres(rock, nx, ny, nz, h0, seed);
  return rock;
}

function placeOres(
  rock: Uint16Array,
  nx: number,
  ny: number,
  nz: number,
  h0: Float64Array,
  seed: number,
): void {
  const rnd = mulberry32(seed * 2654435761 + 7);
  const count = Math.max(3, Math.round(14 * ((nx * ny * nz) / 128 ** 3)));
  const unit = Math.cbrt(nx * ny * nz) / 128;
  for (let b = 0; b < count; b++) {
    const r = rnd();
    const ore = r < 0.5 ? MAT.iron : r < 0.85 ? MAT.copper : MAT.gold;
    const radius = Math.max(2, (3 + 5 * rnd()) * unit * (ore === MAT.gold ? 0.6 : 1));
    const cx = rnd() * nx;
    const cy = rnd() * ny;
    const surface = h0[Math.min(nx - 1, Math.floor(cx)) + nx * Math.min(ny - 1, Math.floor(cy))];
    const cz = nz * 0.36 + rnd() * Math.max(1, surface - 4 - radius - nz * 0.36);
    // Elongated, tilted bodies: anisotropic radii, surface roughened by 3D noise.
    const ax = radius * (0.8 + 0.8 * rnd());
    const ay = radius * (0.8 + 0.8 * rnd());
    const az = radius * (0.4 + 0.4 * rnd());
    const reach = Math.ceil(Math.max(ax, ay, az) * 1.4);
    for (let z = Math.max(0, Math.floor(cz) - reach); z < Math.min(nz, Math.ceil(cz) + reach); z++) {
      for (let y = Math.max(0, Math.floor(cy) - reach); y < Math.min(ny, Math.ceil(cy) + reach); y++) {
        for (let x = Math.max(0, Math.floor(cx) - reach); x < Math.min(nx, Math.ceil(cx) + reach); x++) {
          const i = x + nx * (y + ny * z);
          if (rock[i] < MAT.sandstone) continue; // only replace bedrock strata, not air/soil
          const dx = (x + 0.5 - cx) / ax;
          const dy = (y + 0.5 - cy) / ay;
          const dz = (z + 0.5 - cz) / az;
          const rough = 0.45 * (valueNoise3(x / 3, y / 3, z / 3, seed + b * 977) - 0.5);
          if (dx * dx + dy * dy + dz * dz < 1 + rough) rock[i] = ore;
        }
      }
    }
  }
}

/** Rivers: columns draining at least this fraction of the map carry one voxel of water. */
const RIVER_AREA_FRACTION = 0.004;

/** The material grid for the landscape's current state. */
export function voxelize(land: Landscape, rock: Uint16Array, nz: number, sea: number): Uint16Array {
  const { nx, ny, h, bedrock, area } = land;
  const out = new Uint16Array(nx * ny * nz);
  const nxy = nx * ny;
  const riverArea = Math.max(30, RIVER_AREA_FRACTION * nxy);
  for (let i = 0; i < nxy; i++) {
    const surface = h[i];
    const rockTop = Math.min(bedrock[i], surface);
    let water = land.waterLevel(i, sea);
    if (water <= surface && area[i] >= riverArea) water = surface + 1;
    for (let z = 0; z < nz; z++) {
      const c = z + 0.5;
      const j = i + nxy * z;
      if (c < rockTop) out[j] = rock[j];
      else if (c < surface) out[j] = MAT.sediment;
      else if (c < water) out[j] = MAT.water;
      else break; // air above: already 0
    }
  }
  return out;
}

function quantile(a: Float64Array, q: number): number {
  const s = a.slice().sort();
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
