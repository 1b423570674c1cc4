/**
 * zstd decoders on the same bricks: fzstd (pure JS), zstddec (WASM),
 * @bokuweb/zstd-wasm (WASM) through the reader's bounded decode path, plus the
 * full brick pipeline (zstd + unshuffle), against the native `zstd -d` CLI on
 * the same frames. Bricks come from a packed Gray–Scott demo (u, v fields).
 * Usage: npx tsx bench/zstd-decoders.ts [--size 96] [--steps 6] [--brick 64]
 * Prints JSON.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { grayScottDemo } from "../src/demo/gray-scott";
import { decodeBrick } from "../src/format/brick-codec";
import { Encoding } from "../src/format/constants";
import { selectZstdBackend, type ZstdBackend, zstdDecompressExact } from "../src/format/zstd";
import { MemorySource } from "../src/io/memory-source";
import { openDataset } from "../src/reader";
import type { LocatedEntry } from "../src/reader/dataset";
import { bytesPerValue } from "../src/shared/types";
import { packDataset } from "../src/writer/packer";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

interface Frame {
  entry: LocatedEntry;
  bytes: Uint8Array;
  size: number;
  dtype: "u8" | "u16" | "i16" | "u32" | "f32";
}

function timeIt(minMs: number, fn: () => void): number {
  fn();
  let reps = 0;
  const start = performance.now();
  let now = start;
  while (now - start < minMs) {
    fn();
    reps++;
    now = performance.now();
  }
  return (now - start) / reps;
}

async function main() {
  const size = arg("size", 96);
  const steps = arg("steps", 6);
  const brick = arg("brick", 64);
  const dir = mkdtempSync(join(tmpdir(), "fvx-zstd-"));
  const file = join(dir, "demo.fvx");
  const demo = grayScottDemo({ size, steps, fields: ["u", "v"], seed: 7 });
  await packDataset(demo.spec, demo.steps, file, { brickSize: brick });
  const ds = await openDataset(new MemorySource(new Uint8Array(readFileSync(file))));

  const frames: Frame[] = [];
  const seen = new Set<number>();
  for (let f = 0; f < ds.info.fields.length; f++)
    for (let t = 0; t < ds.info.times.length; t++)
      for (const geo of ds.info.levels)
        for (let z = 0; z < geo.bricks[2]; z++)
          for (let y = 0; y < geo.bricks[1]; y++)
            for (let x = 0; x < geo.bricks[0]; x++) {
              const e = await ds.brickEntry(f, t, geo.level, [x, y, z]);
              if (e.encoding === Encoding.UNIFORM || seen.has(e.offset)) continue;
              seen.add(e.offset);
              const bytes = await ds.source.getBytes(e.offset, e.length);
              const dtype = ds.info.fields[f].dtype;
              frames.push({
                entry: e,
                bytes,
                size: e.size[0] * e.size[1] * e.size[2] * bytesPerValue(dtype),
                dtype,
              });
            }
  const decodedBytes = frames.reduce((a, f) => a + f.size, 0);
  const storedBytes = frames.reduce((a, f) => a + f.bytes.length, 0);

  const results: Record<string, unknown>[] = [];
  let reference: Uint8Array[] | undefined;
  for (const backend of ["fzstd", "zstddec", "bokuweb"] as ZstdBackend[]) {
    await selectZstdBackend(backend);
    const outs = frames.map((f) => zstdDecompressExact(f.bytes, f.size, { section: "brick" }));
    reference ??= outs;
    const correct = outs.every((o, i) => Buffer.compare(o, reference![i]) === 0);
    const ms = timeIt(1500, () => {
      for (const f of frames) zstdDecompressExact(f.bytes, f.size, { section: "brick" });
    });
    const pipeMs = timeIt(1500, () => {
      for (const f of frames) {
        const voxels = f.size / bytesPerValue(f.dtype);
        decodeBrick({ ...f.entry, encoding: Encoding.SHUFFLE_ZSTD }, f.bytes, { dtype: f.dtype, voxels });
      }
    });
    results.push({
      decoder: backend,
      correct,
      zstdMBps: decodedBytes / 1e6 / (ms / 1000),
      pipelineMBps: decodedBytes / 1e6 / (pipeMs / 1000),
    });
  }

  // Native CLI on the same frames, concatenated and repeated so process start-up is negligible.
  const one = Buffer.concat(frames.map((f) => f.bytes));
  const reps = Math.max(1, Math.ceil(400e6 / decodedBytes));
  const big = join(dir, "frames.zst");
  writeFileSync(big, Buffer.concat(Array.from({ length: reps }, () => one)));
  const tiny = join(dir, "tiny.zst");
  writeFileSync(tiny, frames[0].bytes);
  const run = (p: string) => {
    const t0 = performance.now();
    const r = spawnSync("zstd", ["-d", "-q", "-c", p], { stdio: ["ignore", "ignore", "ignore"] });
    if (r.status !== 0) throw new Error("zstd -d failed");
    return performance.now() - t0;
  };
  const startup = Math.min(run(tiny), run(tiny), run(tiny));
  const nativeMs = Math.min(run(big), run(big)) - startup;
  const nativeMBps = (decodedBytes * reps) / 1e6 / (nativeMs / 1000);
  for (const r of results) {
    r.zstdVsNative = (r.zstdMBps as number) / nativeMBps;
    r.pipelineVsNative = (r.pipelineMBps as number) / nativeMBps;
  }
  const best = results
    .filter((r) => r.correct)
    .sort((a, b) => (b.zstdMBps as number) - (a.zstdMBps as number))[0];
  rmSync(dir, { recursive: true, force: true });
  console.log(
    JSON.stringify(
      {
        bench: "zstd-decoders",
        dataset: { generator: "gray-scott", size, steps, fields: ["u", "v"], brickSize: brick },
        frames: frames.length,
        decodedMB: decodedBytes / 1e6,
        storedMB: storedBytes / 1e6,
        native: { MBps: nativeMBps, startupMs: startup },
        decoders: results,
        fastest: best?.decoder,
      },
      null,
      2,
    ),
  );
}

main();
