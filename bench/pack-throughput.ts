/**
 * Packing throughput: input MB/s for a synthetic smooth, slowly evolving 3D
 * f32 field (default 128³ × 8 timesteps, B = 64, zstd level 1).
 * Usage: npx tsx bench/pack-throughput.ts [--n 128] [--steps 8] [--level 3] [--no-delta]
 * Prints JSON.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TimestepData } from "../src/writer/pack-types";
import { packDataset } from "../src/writer/packer";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

/** Sum of a few travelling Gaussian blobs plus a gentle gradient: smooth like simulation output. */
function* smoothField(n: number, steps: number): Generator<TimestepData> {
  const blobs = Array.from({ length: 6 }, (_, i) => ({
    c: [0.2 + 0.12 * i, 0.5 + 0.3 * Math.sin(i), 0.5 + 0.3 * Math.cos(2 * i)],
    v: [0.01 * Math.cos(i), 0.01 * Math.sin(i), 0.005],
    r: 0.08 + 0.02 * i,
  }));
  const inv = 1 / n;
  const gx = new Float32Array(n);
  for (let t = 0; t < steps; t++) {
    const a = new Float32Array(n * n * n);
    for (let z = 0; z < n; z++)
      for (let y = 0; y < n; y++) {
        gx.fill(0.1 * z * inv);
        for (const b of blobs) {
          const dy = y * inv - (b.c[1] + b.v[1] * t);
          const dz = z * inv - (b.c[2] + b.v[2] * t);
          const q = (dy * dy + dz * dz) / (b.r * b.r);
          if (q > 16) continue;
          const cx = b.c[0] + b.v[0] * t;
          for (let x = 0; x < n; x++) {
            const dx = x * inv - cx;
            gx[x] += Math.exp(-(q + (dx * dx) / (b.r * b.r)));
          }
        }
        a.set(gx, n * (y + n * z));
      }
    yield { index: t, fields: { density: a } };
  }
}

async function main() {
  const n = arg("n", 128);
  const steps = arg("steps", 8);
  const level = arg("level", 1);
  const delta = !process.argv.includes("--no-delta");
  // Generate first so only packing is timed.
  const data = [...smoothField(n, steps)];
  const dir = mkdtempSync(join(tmpdir(), "fvx-bench-"));
  const out = join(dir, "bench.fvx");
  const cpu0 = process.cpuUsage();
  const report = await packDataset(
    {
      dims: [n, n, n],
      fields: [{ name: "density", dtype: "f32", kind: "scalar" }],
      times: data.map((_, i) => i),
    },
    data,
    out,
    { brickSize: 64, zstdLevel: level, delta },
  );
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  rmSync(dir, { recursive: true, force: true });
  console.log(
    JSON.stringify(
      {
        bench: "pack-throughput",
        grid: [n, n, n],
        steps,
        zstdLevel: level,
        delta,
        inputMB: report.bytesIn / 1e6,
        seconds: report.seconds,
        inputMBps: report.bytesIn / 1e6 / report.seconds,
        // CPU seconds of all threads: less sensitive to other load on a shared machine than wall time.
        cpuSeconds,
        inputMBperCpuSecond: report.bytesIn / 1e6 / cpuSeconds,
        loadAverage1m: (await import("node:os")).loadavg()[0],
        compressionRatio: report.compressionRatio,
        bricks: report.bricks,
        compressor: report.compressor,
      },
      null,
      2,
    ),
  );
}

main();
