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
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { ArrayTimestepData, DatasetSpec, FieldSpec } from "../writer/pack-types";
import { CTRL, rowFlags, runSlab, runTickets, type SlabGrid, waitSlab } from "./gray-scott-kernel.mjs";
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
  /** Threads running the simulation (default: available cores, at most 4). Results do not depend on it. */
  threads?: number;
}

/**
 * Concentrations within 1e-6 of the background are snapped to it (SNAP in
 * gray-scott-kernel.mjs). Diffusion otherwise leaves exponentially small tails
 * everywhere (f32 denormals, slow to compute and incompressible); no dynamics
 * happen at that level, since the background is linearly stable, and
 * quiescent regions become exactly uniform.
 */
export const GRAY_SCOTT_DEFAULTS: GrayScottParams = { Du: 0.08, Dv: 0.04, F: 0.038, k: 0.061 };

/** Grids smaller than this many voxels run on the calling thread only (a worker costs more than it saves). */
const MIN_THREADED_VOXELS = 1 << 16;
/** Slabs per iteration when threaded: several per thread, so a busy core does not hold the others up. */
const SLABS = 32;

interface Team {
  ctrl: Int32Array;
  prog: Int32Array;
  workers: Worker[];
}

/**
 * State of one simulation: two concentration grids and their back buffers.
 * With `threads` > 1 the grids live in shared memory and each iteration's
 * z-slabs are shared between the calling thread and threads − 1 workers;
 * the result is bit-identical to one thread. Call close() to stop workers
 * (they do not keep the process alive meanwhile).
 */
export class GrayScott {
  readonly n: number;
  u: Float32Array;
  v: Float32Array;
  iterations = 0;
  private readonly grid: SlabGrid;
  /** Iterations run; parity selects the current buffer set. */
  private tick = 0;
  private readonly threads: number;
  private team?: Team;
  private helped = 0;

  constructor(
    readonly nx: number,
    readonly ny: number,
    readonly nz: number,
    readonly p: GrayScottParams,
    threads = 1,
  ) {
    this.n = nx * ny * nz;
    this.threads = this.n >= MIN_THREADED_VOXELS ? Math.max(1, Math.floor(threads)) : 1;
    const shared = this.threads > 1;
    const f32 = () =>
      shared ? new Float32Array(new SharedArrayBuffer(this.n * 4)) : new Float32Array(this.n);
    const u8 = () => (shared ? new Uint8Array(new SharedArrayBuffer(ny * nz)) : new Uint8Array(ny * nz));
    const planes = shared ? Math.ceil(nz / SLABS) : nz;
    this.grid = {
      nx,
      ny,
      nz,
      planes,
      slabs: Math.ceil(nz / planes),
      p: { Du: p.Du, Dv: p.Dv, F: p.F, k: p.k },
      u: [f32().fill(1), f32()],
      v: [f32(), f32()],
      f: [u8(), u8()],
    };
    this.u = this.grid.u[0];
    this.v = this.grid.v[0];
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
    const g = this.grid;
    const cur = this.tick & 1;
    // u and v may have been written since the last call: rebuild the row flags;
    // the back buffers' contents are unknown, so every skipped row is filled once.
    rowFlags(g.u[cur], g.v[cur], g.nx, g.f[cur]);
    g.f[cur ^ 1].fill(1);
    if (count > 0 && this.threads > 1) {
      const { ctrl, prog } = this.startTeam();
      const last = this.tick + count;
      Atomics.store(ctrl, CTRL.END, last * g.slabs);
      Atomics.notify(ctrl, CTRL.END);
      runTickets(ctrl, prog, g, last * g.slabs);
      for (let s = 0; s < g.slabs; s++) waitSlab(ctrl, prog, s, last);
    } else {
      for (let it = 0; it < count; it++) runSlab(g, this.tick + it, 0);
    }
    this.tick += count;
    this.iterations += count;
    this.u = g.u[this.tick & 1];
    this.v = g.v[this.tick & 1];
  }

  /** Slabs computed by worker threads so far (0 on one thread): how much of the work they took. */
  get helperSlabs(): number {
    return this.team ? Atomics.load(this.team.ctrl, CTRL.HELPED) : this.helped;
  }

  /** Stop the worker threads, if any (step() starts them again when needed). */
  close(): void {
    const team = this.team;
    if (!team) return;
    this.team = undefined;
    this.helped = Atomics.load(team.ctrl, CTRL.HELPED);
    Atomics.store(team.ctrl, CTRL.STOP, 1);
    Atomics.notify(team.ctrl, CTRL.END);
    for (const w of team.workers) void w.terminate();
  }

  /**
   * Workers start in the background: until one is running, the calling
   * thread simply claims every slab itself, so nothing waits on startup.
   */
  private startTeam(): Team {
    if (this.team) return this.team;
    const ctrl = new Int32Array(new SharedArrayBuffer(CTRL.LENGTH * 4));
    const prog = new Int32Array(new SharedArrayBuffer(this.grid.slabs * 4));
    // Tickets and per-slab progress continue from the iterations already run.
    Atomics.store(ctrl, CTRL.NEXT, this.tick * this.grid.slabs);
    Atomics.store(ctrl, CTRL.END, this.tick * this.grid.slabs);
    Atomics.store(ctrl, CTRL.HELPED, this.helped);
    prog.fill(this.tick);
    const workers: Worker[] = [];
    for (let w = 1; w < this.threads; w++) {
      try {
        // No inherited loader flags: the worker is plain JS.
        const worker = new Worker(new URL("./gray-scott-worker.mjs", import.meta.url), {
          workerData: { ctrl, prog, grid: this.grid },
          execArgv: [],
        });
        worker.on("error", () => Atomics.store(ctrl, CTRL.ERROR, 1));
        worker.unref();
        workers.push(worker);
      } catch {
        break; // fewer helpers; the calling thread covers the rest
      }
    }
    this.team = { ctrl, prog, workers };
    return this.team;
  }
}

/**
 * A lazy Gray–Scott dataset: the simulation advances as `steps` is iterated,
 * so memory stays at the four working grids plus the arrays handed out.
 */
export function grayScottDemo(opts: GrayScottOptions = {}): {
  spec: DatasetSpec;
  steps: Iterable<ArrayTimestepData>;
} {
  const size = opts.size ?? 128;
  const steps = opts.steps ?? 24;
  const substeps = opts.substeps ?? 30;
  const warmup = opts.warmup ?? 2 * substeps;
  const seed = opts.seed ?? 1;
  const wanted = opts.fields ?? ["v"];
  const threads = opts.threads ?? Math.min(availableParallelism(), 4);
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
      title: `Gray–Scott reaction–diffusion ${size}³`,
      simulation: `gray-scott-${size}-s${seed}`,
      code: "flatvox gray-scott",
      tags: ["demo", "reaction-diffusion", "scalar"],
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

  function* generate(): Generator<ArrayTimestepData> {
    const sim = new GrayScott(size, size, size, params, threads);
    try {
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
    } finally {
      sim.close();
    }
  }
  return { spec, steps: { [Symbol.iterator]: generate } };
}
