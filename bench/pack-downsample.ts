/**
 * Where the packer downsamples the LOD pyramid: on the encoding workers (the
 * default) vs on the packer's own thread (FLATVOX_DOWNSAMPLE=main), same
 * input, same worker count, interleaved in one process. Input MB/s wall and
 * per CPU-second (medians), the peak RSS of each run (sampled every 10 ms;
 * workers are threads of this process, so it includes them), and whether
 * every variant wrote the same bytes (also against the packer with no workers).
 * Usage: npx tsx bench/pack-downsample.ts [--n 160] [--steps 4] [--level 1]
 *        [--rounds 3] [--workers <cores>]
 * Prints JSON.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { DatasetSpec } from "../src/writer/pack-types";
import { packDataset } from "../src/writer/packer";
import { smoothField } from "./lib/fields";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function main() {
  const n = arg("n", 160);
  const steps = arg("steps", 4);
  const level = arg("level", 1);
  const rounds = arg("rounds", 3);
  const workers = arg("workers", availableParallelism());
  const data = [...smoothField(n, steps)];
  const spec: DatasetSpec = {
    dims: [n, n, n],
    fields: [{ name: "density", dtype: "f32", kind: "scalar" }],
    times: data.map((_, i) => i),
  };
  const mb = (n * n * n * 4 * steps) / 1e6;
  const dir = mkdtempSync(join(tmpdir(), "fvx-bench-"));
  const variants = [
    { name: "main", env: "main", workers },
    { name: "workers", env: undefined, workers },
  ];
  const runs = new Map<string, { wall: number; cpu: number; rss: number }[]>(
    variants.map((v) => [v.name, []]),
  );
  const files = new Map<string, Buffer>();
  const pack = async (out: string, w: number) =>
    packDataset(spec, data, out, { brickSize: 64, zstdLevel: level, workers: w });
  await pack(join(dir, "inline.fvx"), 0);
  files.set("inline", readFileSync(join(dir, "inline.fvx")));
  for (let r = 0; r < rounds; r++) {
    for (const v of r % 2 ? [...variants].reverse() : variants) {
      if (v.env) process.env.FLATVOX_DOWNSAMPLE = v.env;
      else delete process.env.FLATVOX_DOWNSAMPLE;
      const out = join(dir, `${v.name}.fvx`);
      global.gc?.();
      let rss = process.memoryUsage().rss;
      const timer = setInterval(() => {
        rss = Math.max(rss, process.memoryUsage().rss);
      }, 10);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await pack(out, v.workers);
      const wall = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      clearInterval(timer);
      rss = Math.max(rss, process.memoryUsage().rss);
      runs.get(v.name)!.push({ wall, cpu: (cpu.user + cpu.system) / 1e6, rss: rss / 2 ** 20 });
      if (r === 0) files.set(v.name, readFileSync(out));
    }
  }
  delete process.env.FLATVOX_DOWNSAMPLE;
  rmSync(dir, { recursive: true, force: true });
  const summary = (name: string) => {
    const rs = runs.get(name)!;
    const wall = median(rs.map((x) => x.wall));
    const cpu = median(rs.map((x) => x.cpu));
    return {
      inputMBps: +(mb / wall).toFixed(1),
      inputMBperCpuSecond: +(mb / cpu).toFixed(1),
      peakRssMiB: Math.round(Math.max(...rs.map((x) => x.rss))),
      runs: rs.map((x) => ({ wall: +x.wall.toFixed(3), cpu: +x.cpu.toFixed(3), rssMiB: Math.round(x.rss) })),
    };
  };
  const main = summary("main");
  const inWorkers = summary("workers");
  const inline = files.get("inline")!;
  console.log(
    JSON.stringify(
      {
        bench: "pack-downsample",
        grid: [n, n, n],
        steps,
        zstdLevel: level,
        workers,
        inputMB: mb,
        cores: availableParallelism(),
        downsampleOnMainThread: main,
        downsampleInWorkers: inWorkers,
        speedupWall: +(inWorkers.inputMBps / main.inputMBps).toFixed(3),
        sameBytes: inline.equals(files.get("main")!) && inline.equals(files.get("workers")!),
        loadAverage1m: loadavg()[0],
      },
      null,
      2,
    ),
  );
}

main();
