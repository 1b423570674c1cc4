/**
 * 3D Gray–Scott reaction–diffusion, run by the generator itself:
 *
 *   du/dt = Du ∇²u − u v² + F (1 − u)
 *   dv/dt = Dv ∇²v + u v² − (F + k) v
 *
 * Periodic boundaries, 7-point Laplacian, explicit Euler with dt = 1 in grid
 * units. Explicit Euler for 3D diffusion is stable for D·dt ≤ 1/6 but only
 * monotone (no checkerboard ringing, concentrations stay in [0, 1]) for
 * D·dt ≤ 1/12, hence Du = 0.08, Dv = 0.04 (the common 2D pair 0.2/0.1
 * diverges in 3D; 0.16/0.08 rings and drives u negative).
 * The background (u = 1, v = 0) is an exact fixed point, so only the seeded
 * blobs and what grows from them carry structure; bricks far from them stay
 * uniform, which is what the format is meant to exploit.
 */
import type { DatasetSpec, FieldSpec, TimestepData } from "../writer/pack-types";
import { mulberry32 } from "./prng";

export interface GrayScottParams {
  Du: number;
  Dv: number;
  F: number;
  k: number;
}

export interface GrayScottOptions {
  /** Edge of the cubic grid (default 128). */
  size?: number;
  /** Saved timesteps (default 24). */
  steps?: number;
  /** Simulation iterations between saved timesteps (default 40). */
  substeps?: number;
  /** Iterations run before the first saved timestep (default 2 × substeps). */
  warmup?: number;
  seed?: number;
  /** Which fields to emit (default ["v"]). */
  fields?: ("u" | "v")[];
  /** Override the reaction parameters. */
  params?: Partial<GrayScottParams>;
}

/**
 * Concentrations within 1e-6 of the background are snapped to it. Diffusion
 * otherwise leaves exponentially small tails everywhere (f32 denormals, slow
 * to compute and incompressible); no dynamics happen at that level, since the
 * background is linearly stable, and quiescent regions become exactly uniform.
 */
const SNAP = 1e-6;

export const GRAY_SCOTT_DEFAULTS: GrayScottParams = { Du: 0.08, Dv: 0.04, F: 0.038, k: 0.061 };

/** State of one simulation: two concentration grids and their back buffers. */
export class GrayScott {
  readonly n: number;
  u: Float32Array;
  v: Float32Array;
  private u2: Float32Array;
  private v2: Float32Array;
  iterations = 0;

  constructor(
    readonly nx: number,
    readonly ny: number,
    readonly nz: number,
    readonly p: GrayScottParams,
  ) {
    this.n = nx * ny * nz;
    this.u = new Float32Array(this.n).fill(1);
    this.v = new Float32Array(this.n);
    this.u2 = new Float32Array(this.n);
    this.v2 = new Float32Array(this.n);
  }

  /** Seed `count` spherical perturbation blobs at random places, with per-voxel jitter. */
  seedBlobs(seed: number, count: number, radius: number): void {
    const rnd = mulberry32(seed);
    const { nx, ny, nz, u, v } = this;
    for (let b = 0; b < count; b++) {
      const cx = rnd() * nx;
      const cy = rnd() * ny;
      const cz = rnd() * nz;
      const r = radius * (0.6 + 0.8 * rnd());
      const r2 = r * r;
      const ri = Math.ceil(r);
      for (let dz = -ri; dz <= ri; dz++) {
        for (let dy = -ri; dy <= ri; dy++) {
          for (let dx = -ri; dx <= ri; dx++) {
            if (dx * dx + dy * dy + dz * dz > r2) continue;
            const x = (((Math.floor(cx) + dx) % nx) + nx) % nx;
            const y = (((Math.floor(cy) + dy) % ny) + ny) % ny;
            const z = (((Math.floor(cz) + dz) % nz) + nz) % nz;
            const i = x + nx * (y + ny * z);
            u[i] = 0.5 + 0.1 * (rnd() - 0.5);
            v[i] = 0.25 + 0.1 * (rnd() - 0.5);
          }
        }
      }
    }
  }

  /** Advance `count` explicit Euler iterations. */
  step(count: number): void {
    const { nx, ny, nz } = this;
    const { Du, Dv, F, k } = this.p;
    const Fk = F + k;
    const nxy = nx * ny;
    for (let it = 0; it < count; it++) {
      const u = this.u;
      const v = this.v;
      const uo = this.u2;
      const vo = this.v2;
      for (let z = 0; z < nz; z++) {
        const zc = z * nxy;
        const zm = (z === 0 ? nz - 1 : z - 1) * nxy;
        const zp = (z === nz - 1 ? 0 : z + 1) * nxy;
        for (let y = 0; y < ny; y++) {
          const yc = y * nx;
          const ym = (y === 0 ? ny - 1 : y - 1) * nx;
          const yp = (y === ny - 1 ? 0 : y + 1) * nx;
          const c0 = zc + yc;
          const dyM = zc + ym - c0; // neighbour deltas, constant along the row
          const dyP = zc + yp - c0;
          const dzM = zm + yc - c0;
          const dzP = zp + yc - c0;
          const last = c0 + nx - 1;
          // x wraps only at the two row ends: do those apart, keep the inner loop branch-free
          for (let c = c0 + 1; c < last; c++) {
            const uc = u[c];
            const vc = v[c];
            const lu = u[c - 1] + u[c + 1] + u[c + dyM] + u[c + dyP] + u[c + dzM] + u[c + dzP] - 6 * uc;
            const lv = v[c - 1] + v[c + 1] + v[c + dyM] + v[c + dyP] + v[c + dzM] + v[c + dzP] - 6 * vc;
            const uvv = uc * vc * vc;
            const un = uc + Du * lu - uvv + F * (1 - uc);
            const vn = vc + Dv * lv + uvv - Fk * vc;
            uo[c] = Math.abs(un - 1) < SNAP ? 1 : un;
            vo[c] = Math.abs(vn) < SNAP ? 0 : vn;
          }
          edge(u, v, uo, vo, c0, last, c0 + 1, dyM, dyP, dzM, dzP, this.p);
          edge(u, v, uo, vo, last, last - 1, c0, dyM, dyP, dzM, dzP, this.p);
        }
      }
      this.u2 = u;
      this.v2 = v;
      this.u = uo;
      this.v = vo;
      this.iterations++;
    }
  }
}

/** One voxel update with explicit x neighbours (row ends, where x wraps). */
function edge(
  u: Float32Array,
  v: Float32Array,
  uo: Float32Array,
  vo: Float32Array,
  c: number,
  cm: number,
  cp: number,
  dyM: number,
  dyP: number,
  dzM: number,
  dzP: number,
  p: GrayScottParams,
): void {
  const uc = u[c];
  const vc = v[c];
  const lu = u[cm] + u[cp] + u[c + dyM] + u[c + dyP] + u[c + dzM] + u[c + dzP] - 6 * uc;
  const lv = v[cm] + v[cp] + v[c + dyM] + v[c + dyP] + v[c + dzM] + v[c + dzP] - 6 * vc;
  const uvv = uc * vc * vc;
  const un = uc + p.Du * lu - uvv + p.F * (1 - uc);
  const vn = vc + p.Dv * lv + uvv - (p.F + p.k) * vc;
  uo[c] = Math.abs(un - 1) < SNAP ? 1 : un;
  vo[c] = Math.abs(vn) < SNAP ? 0 : vn;
}

/**
 * A lazy Gray–Scott dataset: the simulation advances as `steps` is iterated,
 * so memory stays at the four working grids plus the arrays handed out.
 */
export function grayScottDemo(opts: GrayScottOptions = {}): {
  spec: DatasetSpec;
  steps: Iterable<TimestepData>;
} {
  const size = opts.size ?? 128;
  const steps = opts.steps ?? 24;
  const substeps = opts.substeps ?? 30;
  const warmup = opts.warmup ?? 2 * substeps;
  const seed = opts.seed ?? 1;
  const wanted = opts.fields ?? ["v"];
  const params: GrayScottParams = { ...GRAY_SCOTT_DEFAULTS, ...opts.params };
  if (!Number.isInteger(size) || size < 8 || size > 1024)
    throw new RangeError(`size must be an integer in 8..1024, got ${size}`);
  if (!Number.isInteger(steps) || steps < 1)
    throw new RangeError(`steps must be a positive integer, got ${steps}`);
  if (!Number.isInteger(substeps) || substeps < 1)
    throw new RangeError(`substeps must be a positive integer, got ${substeps}`);
  if (12 * Math.max(params.Du, params.Dv) > 1) {
    throw new RangeError("Du, Dv must be ≤ 1/12 for a monotone explicit Euler step in 3D");
  }
  // Blob count keeps the same density at every size, so small grids look alike.
  const blobs = Math.max(3, Math.round(48 * (size / 128) ** 3));
  const blobRadius = 5;

  const fieldSpecs: FieldSpec[] = [];
  for (const name of ["u", "v"] as const) {
    if (!wanted.includes(name)) continue;
    fieldSpecs.push({
      name,
      dtype: "f32",
      kind: "scalar",
      units: "1",
      fill: name === "u" ? 1 : 0,
      description:
        name === "u" ? "substrate concentration (background 1)" : "activator concentration (background 0)",
    });
  }
  if (fieldSpecs.length === 0) throw new RangeError("fields must include u or v");

  const times = Array.from({ length: steps }, (_, i) => warmup + i * substeps);
  const spec: DatasetSpec = {
    dims: [size, size, size],
    origin: [0, 0, 0],
    spacing: [1, 1, 1],
    fields: fieldSpecs,
    times,
    timeUnits: "iteration",
    metadata: {
      simulation: `gray-scott-${size}-s${seed}`,
      code: "flatvox gray-scott",
      description:
        "3D Gray–Scott reaction–diffusion from random seed blobs: spots grow, divide and form worms in a quiescent background.",
      created: new Date().toISOString(),
      parameters: {
        Du: params.Du,
        Dv: params.Dv,
        F: params.F,
        k: params.k,
        dt: 1,
        scheme: "explicit Euler, 7-point Laplacian, periodic",
        seed,
        blobs,
        blobRadius,
        substeps,
        warmup,
      },
    },
  };

  function* generate(): Generator<TimestepData> {
    const sim = new GrayScott(size, size, size, params);
    sim.seedBlobs(seed, blobs, blobRadius);
    sim.step(warmup);
    for (let t = 0; t < steps; t++) {
      if (t > 0) sim.step(substeps);
      const fields: Record<string, Float32Array> = {};
      // Copies: the simulation keeps mutating its grids after the yield.
      if (wanted.includes("u")) fields.u = sim.u.slice();
      if (wanted.includes("v")) fields.v = sim.v.slice();
      yield { index: t, fields };
    }
  }
  return { spec, steps: { [Symbol.iterator]: generate } };
}
