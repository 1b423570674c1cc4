/**
 * Speed of the Gray–Scott demo simulation. Part 1 interleaves, from the same
 * seeded state, the demo's previous kernel (every voxel, one thread) with the demo's kernel on one thread and on
 * `--threads` threads, and checks all three give the same bits. Part 2 runs the
 * default demo end to end (size 128, 24 saved steps: 750 iterations).
 * Wall and CPU seconds (all threads) for both; the machine may be loaded.
 * Usage: npx tsx bench/demo-speed.ts [--size 128] [--steps 24] [--threads <cores>]
 *        [--iterations 30] [--rounds 2] [--no-full]
 * Prints JSON.
 */
import { availableParallelism, loadavg } from "node:os";
import { GRAY_SCOTT_DEFAULTS, GrayScott, type GrayScottParams, grayScottDemo } from "../src/demo/gray-scott";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const cpuSeconds = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

/**
 * Baseline: the demo's previous kernel (every voxel each iteration, one thread;
 * interior of each row branch-free, the two wrapping row ends apart).
 */
function baselineStep(
  state: { u: Float32Array; v: Float32Array; u2: Float32Array; v2: Float32Array },
  [nx, ny, nz]: number[],
  p: GrayScottParams,
  count: number,
): void {
  const { Du, Dv, F, k } = p;
  const Fk = F + k;
  const nxy = nx * ny;
  for (let it = 0; it < count; it++) {
    const { u, v, u2: uo, v2: vo } = state;
    for (let z = 0; z < nz; z++) {
      const zc = z * nxy;
      const zm = (z === 0 ? nz - 1 : z - 1) * nxy;
      const zp = (z === nz - 1 ? 0 : z + 1) * nxy;
      for (let y = 0; y < ny; y++) {
        const yc = y * nx;
        const ym = (y === 0 ? ny - 1 : y - 1) * nx;
        const yp = (y === ny - 1 ? 0 : y + 1) * nx;
        const c0 = zc + yc;
        const dyM = zc + ym - c0;
        const dyP = zc + yp - c0;
        const dzM = zm + yc - c0;
        const dzP = zp + yc - c0;
        const last = c0 + nx - 1;
        for (let c = c0 + 1; c < last; c++) {
          const uc = u[c];
          const vc = v[c];
          const lu = u[c - 1] + u[c + 1] + u[c + dyM] + u[c + dyP] + u[c + dzM] + u[c + dzP] - 6 * uc;
          const lv = v[c - 1] + v[c + 1] + v[c + dyM] + v[c + dyP] + v[c + dzM] + v[c + dzP] - 6 * vc;
          const uvv = uc * vc * vc;
          const un = uc + Du * lu - uvv + F * (1 - uc);
          const vn = vc + Dv * lv + uvv - Fk * vc;
          uo[c] = Math.abs(un - 1) < 1e-6 ? 1 : un;
          vo[c] = Math.abs(vn) < 1e-6 ? 0 : vn;
        }
        baselineEdge(u, v, uo, vo, c0, last, c0 + 1, dyM, dyP, dzM, dzP, p);
        baselineEdge(u, v, uo, vo, last, last - 1, c0, dyM, dyP, dzM, dzP, p);
      }
    }
    state.u2 = u;
    state.v2 = v;
    state.u = uo;
    state.v = vo;
  }
}

function baselineEdge(
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
  uo[c] = Math.abs(un - 1) < 1e-6 ? 1 : un;
  vo[c] = Math.abs(vn) < 1e-6 ? 0 : vn;
}

function main() {
  const size = arg("size", 128);
  const steps = arg("steps", 24);
  const threads = arg("threads", availableParallelism());
  const iterations = arg("iterations", 30);
  const rounds = arg("rounds", 2);
  const dims = [size, size, size];
  const p = GRAY_SCOTT_DEFAULTS;

  // Part 1: the same seeded state (after the demo's 60 warm-up iterations), interleaved.
  const seed = new GrayScott(size, size, size, p, 1);
  seed.seedBlobs(1, Math.max(3, Math.round(48 * (size / 128) ** 3)), 5);
  seed.step(60);
  const u0 = seed.u.slice();
  const v0 = seed.v.slice();
  const base = {
    u: u0.slice(),
    v: v0.slice(),
    u2: new Float32Array(u0.length),
    v2: new Float32Array(u0.length),
  };
  const sims = [1, threads].map((t) => {
    const s = new GrayScott(size, size, size, p, t);
    s.u.set(u0);
    s.v.set(v0);
    return s;
  });
  const times: Record<string, { wall: number; cpu: number }> = {};
  const time = (name: string, f: () => void) => {
    const c0 = cpuSeconds();
    const t0 = performance.now();
    f();
    times[name] ??= { wall: 0, cpu: 0 };
    const t = times[name];
    t.wall += (performance.now() - t0) / 1000;
    t.cpu += cpuSeconds() - c0;
  };
  for (let r = 0; r < rounds; r++) {
    time("baseline", () => baselineStep(base, dims, p, iterations));
    time("kernel1", () => sims[0].step(iterations));
    time(`kernel${threads}`, () => sims[1].step(iterations));
  }
  const its = iterations * rounds;
  const perIt = Object.fromEntries(
    Object.entries(times).map(([k, t]) => [
      k,
      { wallMs: (1000 * t.wall) / its, cpuMs: (1000 * t.cpu) / its },
    ]),
  );
  const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const identical = sims.every((s) => bits(s.u).equals(bits(base.u)) && bits(s.v).equals(bits(base.v)));
  const helperShare = sims[1].helperSlabs / (its * Math.min(size, 32));
  for (const s of sims) s.close();

  // Part 2: the default demo end to end.
  let full: Record<string, number> | undefined;
  if (!process.argv.includes("--no-full")) {
    const c0 = cpuSeconds();
    const t0 = performance.now();
    const { spec, steps: gen } = grayScottDemo({ size, steps, threads });
    let n = 0;
    for (const _ of gen) n++;
    const wall = (performance.now() - t0) / 1000;
    const iters = spec.times[spec.times.length - 1];
    full = {
      steps: n,
      iterations: iters,
      seconds: wall,
      cpuSeconds: cpuSeconds() - c0,
      msPerIteration: (1000 * wall) / iters,
    };
  }

  console.log(
    JSON.stringify(
      {
        bench: "demo-speed",
        grid: dims,
        threads,
        cores: availableParallelism(),
        iterationsTimed: its,
        perIteration: perIt,
        speedupWall1Thread: perIt.baseline.wallMs / perIt.kernel1.wallMs,
        speedupCpu1Thread: perIt.baseline.cpuMs / perIt.kernel1.cpuMs,
        [`speedupWall${threads}Threads`]: perIt.baseline.wallMs / perIt[`kernel${threads}`].wallMs,
        helperShareOfSlabs: helperShare,
        identical,
        full,
        loadAverage1m: loadavg()[0],
      },
      null,
      2,
    ),
  );
}

main();
