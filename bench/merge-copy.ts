/**
 * Merge copy rate on a large input: two parts holding ≥ 1 GB of brick bytes
 * (incompressible generated f32 noise, so stored bytes ≈ input bytes) merged
 * in process; the copy rate (brick MB copied / copy seconds) is compared with
 * a plain 8 MiB read+write copy of the same part files in the same process
 * (the disk's rate here; both read what the page cache holds, as a merge
 * right after its parts would). Prints JSON.
 * The checked merge runs with the WASM xxHash32 kernel (the default) and,
 * interleaved, with the pure-JS hash (FLATVOX_KERNELS=js) as the baseline.
 *   npx tsx bench/merge-copy.ts [--gb 1] [--runs 2] [--dir /tmp]
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mergeParts } from "../src/writer/merge";
import type { DatasetSpec, TimestepData } from "../src/writer/pack-types";
import { packPart } from "../src/writer/part";

const arg = (k: string, d: string) => {
  const i = process.argv.indexOf(`--${k}`);
  return i > 0 ? process.argv[i + 1] : d;
};
const gb = Number(arg("gb", "1"));
const dir = mkdtempSync(join(arg("dir", tmpdir()), "fvx-merge-copy-"));
const n = 256;
const stepBytes = n * n * n * 4;
const steps = Math.ceil((gb * 1e9) / stepBytes);
const spec = {
  dims: [n, n, n],
  origin: [0, 0, 0],
  spacing: [1, 1, 1],
  fields: [{ name: "q", dtype: "f32", kind: "scalar" }],
  times: Array.from({ length: steps }, (_, i) => i),
} as DatasetSpec;

/** Noise in [0, 1): every brick incompressible, none equal to the previous step's. */
function* noise(): Iterable<TimestepData> {
  let s = 0x9e3779b9;
  for (let t = 0; t < steps; t++) {
    const q = new Float32Array(n * n * n);
    for (let i = 0; i < q.length; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      q[i] = (s >>> 0) / 4294967296;
    }
    yield { index: t, fields: { q } };
  }
}

function plainCopy(paths: string[], out: string): number {
  const buf = new Uint8Array(8 << 20);
  const fo = openSync(out, "w");
  let pos = 0;
  for (const p of paths) {
    const fi = openSync(p, "r");
    for (let n = readSync(fi, buf, 0, buf.length, null); n > 0; n = readSync(fi, buf, 0, buf.length, null)) {
      writeSync(fo, buf, 0, n, pos);
      pos += n;
    }
    closeSync(fi);
  }
  closeSync(fo);
  return pos;
}

try {
  const opts = { brickSize: 64, workers: 2, delta: false, zstdLevel: 1 };
  const t0 = performance.now();
  const parts = [0, 1].map((i) => join(dir, `part-${i}.fvx`));
  for (let i = 0; i < 2; i++) await packPart(spec, noise(), parts[i], i, 2, opts);
  const packSeconds = (performance.now() - t0) / 1000;
  const partBytes = parts.reduce((s, p) => s + statSync(p).size, 0);
  const runs: Record<string, number>[] = [];
  // CPU seconds of this process per merge: on a loaded machine the wall-clock rates swing, the CPU cost per byte far less.
  const cpu = async <R>(f: () => Promise<R>): Promise<[R, number]> => {
    const c = process.cpuUsage();
    const r = await f();
    const d = process.cpuUsage(c);
    return [r, (d.user + d.system) / 1e6];
  };
  const kernels = process.env.FLATVOX_KERNELS;
  for (let r = 0; r < Number(arg("runs", "2")); r++) {
    const c0 = performance.now();
    const copied = plainCopy(parts, join(dir, "plain.bin"));
    const plain = copied / 1e6 / ((performance.now() - c0) / 1000);
    rmSync(join(dir, "plain.bin"));
    const [m, mCpu] = await cpu(() => mergeParts(parts, join(dir, "merged.fvx")));
    rmSync(join(dir, "merged.fvx"));
    const [m2, m2Cpu] = await cpu(() => mergeParts(parts, join(dir, "merged.fvx"), { checkBricks: false }));
    rmSync(join(dir, "merged.fvx"));
    // The same checked merge hashing with the pure-JS xxHash32 (the baseline before the WASM kernel).
    process.env.FLATVOX_KERNELS = "js";
    const [mj, mjCpu] = await cpu(() => mergeParts(parts, join(dir, "merged.fvx")));
    if (kernels === undefined) delete process.env.FLATVOX_KERNELS;
    else process.env.FLATVOX_KERNELS = kernels;
    rmSync(join(dir, "merged.fvx"));
    runs.push({
      mergeMBps: m.copiedBytes / 1e6 / m.copySeconds,
      mergeJsMBps: mj.copiedBytes / 1e6 / mj.copySeconds,
      mergeChecklessMBps: m2.copiedBytes / 1e6 / m2.copySeconds,
      plainMBps: plain,
      mergeCpuMBps: m.copiedBytes / 1e6 / mCpu,
      mergeJsCpuMBps: mj.copiedBytes / 1e6 / mjCpu,
      mergeChecklessCpuMBps: m2.copiedBytes / 1e6 / m2Cpu,
    });
  }
  console.log(
    JSON.stringify(
      {
        input: { dims: spec.dims, steps, inputGB: (steps * stepBytes) / 1e9 },
        partsGB: partBytes / 1e9,
        packSeconds,
        runs,
        note: "mergeMBps: brick bytes copied / (copy + page rebuild) seconds, xxHash32 of every brick checked on the WASM kernel (mergeJsMBps: the same with the pure-JS hash); plainMBps: 8 MiB read+write of the same files in this process; *CpuMBps: brick bytes copied per CPU second of this process (whole merge, features none)",
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
