/**
 * Packing throughput: input MB/s for a synthetic smooth, slowly evolving 3D
 * f32 field (default 128³ × 8 timesteps, B = 64, zstd level 1), the default
 * parallel packer against the same packer with no workers, interleaved in one
 * process; wall and CPU seconds (medians of the rounds), and whether both
 * wrote the same bytes.
 * Usage: npx tsx bench/pack-throughput.ts [--n 128] [--steps 8] [--level 3]
 *        [--rounds 3] [--workers <cores>] [--no-delta]
 * Prints JSON.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { DatasetSpec } from "../src/writer/pack-types";
import { type PackReport, packDataset } from "../src/writer/packer";
import { smoothField } from "./lib/fields";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

interface Run {
  wall: number;
  cpu: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function main() {
  const n = arg("n", 128);
  const steps = arg("steps", 8);
  const level = arg("level", 1);
  const rounds = arg("rounds", 3);
  const workers = arg("workers", availableParallelism());
  const delta = !process.argv.includes("--no-delta");
  // Generate first so only packing is timed.
  const data = [...smoothField(n, steps)];
  const spec: DatasetSpec = {
    dims: [n, n, n],
    fields: [{ name: "density", dtype: "f32", kind: "scalar" }],
    times: data.map((_, i) => i),
  };
  const dir = mkdtempSync(join(tmpdir(), "fvx-bench-"));
  // Baseline (everything on the calling thread) and the parallel packer,
  // interleaved so both see the same machine load; CPU seconds (all threads)
  // are less sensitive to other load than wall time.
  const variants = [
    { name: "inline", workers: 0 },
    { name: "parallel", workers },
  ];
  const runs = new Map<string, Run[]>(variants.map((v) => [v.name, []]));
  const files = new Map<string, Buffer>();
  let report: PackReport | undefined;
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) {
      const out = join(dir, `${v.name}.fvx`);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const rep = await packDataset(spec, data, out, {
        brickSize: 64,
        zstdLevel: level,
        delta,
        workers: v.workers,
      });
      const wall = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      runs.get(v.name)!.push({ wall, cpu: (cpu.user + cpu.system) / 1e6 });
      if (r === 0) files.set(v.name, readFileSync(out));
      if (v.workers > 0) report = rep;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  const mb = report!.bytesIn / 1e6;
  const summary = (name: string) => {
    const rs = runs.get(name)!;
    const wall = median(rs.map((x) => x.wall));
    const cpu = median(rs.map((x) => x.cpu));
    return {
      seconds: wall,
      inputMBps: mb / wall,
      cpuSeconds: cpu,
      inputMBperCpuSecond: mb / cpu,
      runs: rs.map((x) => ({ wall: +x.wall.toFixed(3), cpu: +x.cpu.toFixed(3) })),
    };
  };
  const inline = summary("inline");
  const parallel = summary("parallel");
  console.log(
    JSON.stringify(
      {
        bench: "pack-throughput",
        grid: [n, n, n],
        steps,
        zstdLevel: level,
        delta,
        inputMB: mb,
        cores: availableParallelism(),
        // The packer as configured by default (one encoding worker per core).
        ...parallel,
        inline,
        speedupWall: inline.seconds / parallel.seconds,
        sameBytes: Buffer.compare(files.get("inline")!, files.get("parallel")!) === 0,
        loadAverage1m: loadavg()[0],
        compressionRatio: report!.compressionRatio,
        bricks: report!.bricks,
        compressor: report!.compressor,
      },
      null,
      2,
    ),
  );
}

main();
