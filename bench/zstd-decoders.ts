/**
 * zstd decoders on the same bricks, interleaved round by round in one
 * process, against the native `zstd -d` CLI on the same frames:
 *
 * - zstd only, through the reader's bounded path (zstdDecompressExact) with
 *   each backend: fzstd (pure JS), zstddec (WASM), @bokuweb/zstd-wasm (WASM);
 * - the worker's brick pipeline (decode-service.ts): bounded zstd → copy into
 *   core memory → WASM SIMD unshuffle → copy out as a transferable buffer;
 * - the same pipeline decoding straight into each WASM decoder's own heap
 *   (reused buffers, no intermediate array), one copy into core memory.
 *
 * Bricks come from a packed Gray–Scott demo (u, v fields, f32).
 * Usage: npx tsx bench/zstd-decoders.ts [--size 96] [--steps 6] [--brick 64] [--rounds 7]
 * Prints JSON.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { loadCore } from "../src/core/core";
import { grayScottDemo } from "../src/demo/gray-scott";
import { Encoding } from "../src/format/constants";
import { selectZstdBackend, type ZstdBackend, zstdDecompressExact } from "../src/format/zstd";
import { MemorySource } from "../src/io/memory-source";
import { openDataset } from "../src/reader";
import { bytesPerValue } from "../src/shared/types";
import { packDataset } from "../src/writer/packer";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

interface Frame {
  bytes: Uint8Array;
  size: number;
  elem: number;
}

/** A WASM zstd decoder driven directly: frame in, decoded bytes left in its heap. */
interface HeapDecoder {
  heap(): Uint8Array;
  /** Decode into the decoder's heap; returns the offset of the `size` decoded bytes. */
  decode(frame: Uint8Array, size: number): number;
}

/** Reusable input/output blocks in an emscripten heap. */
function heapDecoder(
  heap: () => Uint8Array,
  malloc: (n: number) => number,
  decompress: (dst: number, cap: number, src: number, n: number) => number,
): HeapDecoder {
  let inPtr = 0;
  let inCap = 0;
  let outPtr = 0;
  let outCap = 0;
  return {
    heap,
    decode(frame, size) {
      // Blocks only grow (never freed): a bench-lifetime arena.
      if (frame.length > inCap) {
        inCap = frame.length * 2;
        inPtr = malloc(inCap);
      }
      if (size > outCap) {
        outCap = size;
        outPtr = malloc(outCap);
      }
      heap().set(frame, inPtr);
      const n = decompress(outPtr, size, inPtr, frame.length);
      if (n !== size) throw new Error(`decoded ${n} bytes, expected ${size}`);
      return outPtr;
    },
  };
}

/** zstddec's own WASM (embedded in its module), instantiated here to reach its heap. */
async function zstddecHeap(): Promise<HeapDecoder> {
  const require = createRequire(import.meta.url);
  const file = join(dirname(require.resolve("zstddec")), "zstddec.mjs");
  const b64 = /const wasm = "([^"]+)"/.exec(readFileSync(file, "utf8"))?.[1];
  if (!b64) throw new Error("zstddec WASM not found");
  let view = new Uint8Array(0);
  const { instance } = await WebAssembly.instantiate(Buffer.from(b64, "base64"), {
    env: { emscripten_notify_memory_growth: () => undefined },
  });
  const ex = instance.exports as unknown as {
    memory: WebAssembly.Memory;
    malloc(n: number): number;
    ZSTD_decompress(d: number, c: number, s: number, n: number): number;
  };
  const heap = () => {
    if (view.buffer !== ex.memory.buffer) view = new Uint8Array(ex.memory.buffer);
    return view;
  };
  return heapDecoder(
    heap,
    (n) => ex.malloc(n) >>> 0,
    (d, c, s, n) => ex.ZSTD_decompress(d, c, s, n) >>> 0,
  );
}

/** @bokuweb/zstd-wasm's emscripten Module (the package's own instance, after its init()). */
async function bokuwebHeap(): Promise<HeapDecoder> {
  const pkg = await import("@bokuweb/zstd-wasm");
  await pkg.init();
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve("@bokuweb/zstd-wasm"));
  // biome-ignore lint/suspicious/noExplicitAny: emscripten module object
  const { Module } = require(join(dir, "module.js")) as { Module: any };
  return heapDecoder(
    () => Module.HEAPU8 as Uint8Array,
    (n) => Module._malloc(n),
    (d, c, s, n) => Module._ZSTD_decompress(d, c, s, n) >>> 0,
  );
}

async function main() {
  const size = arg("size", 96);
  const steps = arg("steps", 6);
  const brick = arg("brick", 64);
  const rounds = arg("rounds", 7);
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
              const elem = bytesPerValue(ds.info.fields[f].dtype);
              frames.push({
                bytes: await ds.source.getBytes(e.offset, e.length),
                size: e.size[0] * e.size[1] * e.size[2] * elem,
                elem,
              });
            }
  const decodedBytes = frames.reduce((a, f) => a + f.size, 0);
  const storedBytes = frames.reduce((a, f) => a + f.bytes.length, 0);
  const maxSize = Math.max(...frames.map((f) => f.size));

  // The worker's kernels: one input and one output block in core memory.
  const core = await loadCore({ implementation: "wasm-simd" });
  const input = core.memory.alloc(maxSize);
  const output = core.memory.alloc(maxSize);
  const ctx = { section: "brick" };
  /** decode-service.ts's path for one SHUFFLE_ZSTD link, with the active backend. */
  const servicePipeline = () => {
    let check = 0;
    for (const f of frames) {
      const shuffled = zstdDecompressExact(f.bytes, f.size, ctx);
      core.memory.views().u8.set(shuffled, input);
      core.ops.unshuffle(input, output, f.size, f.elem);
      check ^= core.memory.views().u8.slice(output, output + f.size)[f.size >> 1];
    }
    return check;
  };
  const directPipeline = (d: HeapDecoder) => () => {
    let check = 0;
    for (const f of frames) {
      const p = d.decode(f.bytes, f.size);
      core.memory.views().u8.set(d.heap().subarray(p, p + f.size), input);
      core.ops.unshuffle(input, output, f.size, f.elem);
      check ^= core.memory.views().u8.slice(output, output + f.size)[f.size >> 1];
    }
    return check;
  };
  const zstdOnly = () => {
    for (const f of frames) zstdDecompressExact(f.bytes, f.size, ctx);
  };

  // Correctness: every path yields the same bytes.
  await selectZstdBackend("fzstd");
  const reference = frames.map((f) => zstdDecompressExact(f.bytes, f.size, ctx));
  const direct: Record<string, HeapDecoder> = { zstddec: await zstddecHeap(), bokuweb: await bokuwebHeap() };
  const correct: Record<string, boolean> = {};
  for (const backend of ["zstddec", "bokuweb"] as ZstdBackend[]) {
    await selectZstdBackend(backend);
    correct[backend] = frames.every(
      (f, i) => Buffer.compare(zstdDecompressExact(f.bytes, f.size, ctx), reference[i]) === 0,
    );
    const d = direct[backend];
    correct[`${backend}Direct`] = frames.every((f, i) => {
      const p = d.decode(f.bytes, f.size);
      return Buffer.compare(d.heap().subarray(p, p + f.size), reference[i]) === 0;
    });
  }

  // Native CLI on the same frames, concatenated and repeated so start-up is negligible.
  const one = Buffer.concat(frames.map((f) => f.bytes));
  const reps = Math.max(1, Math.ceil(200e6 / decodedBytes));
  const big = join(dir, "frames.zst");
  writeFileSync(big, Buffer.concat(Array.from({ length: reps }, () => one)));
  const tiny = join(dir, "tiny.zst");
  writeFileSync(tiny, frames[0].bytes);
  const runNative = (p: string) => {
    const t0 = performance.now();
    const r = spawnSync("zstd", ["-d", "-q", "-c", p], { stdio: ["ignore", "ignore", "ignore"] });
    if (r.status !== 0) throw new Error("zstd -d failed");
    return performance.now() - t0;
  };
  const startup = Math.min(runNative(tiny), runNative(tiny), runNative(tiny));

  const timeMBps = (fn: () => unknown, minMs: number) => {
    fn();
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < minMs) {
      fn();
      n++;
    }
    return decodedBytes / 1e6 / ((performance.now() - t0) / n / 1000);
  };
  // Each round: native once, then every contender; each keeps its per-round
  // MB/s so ratios can be taken within a round (same machine load).
  const names = [
    "native",
    "zstdOnly:zstddec",
    "zstdOnly:bokuweb",
    "pipeline:zstddec",
    "pipeline:bokuweb",
    "direct:zstddec",
    "direct:bokuweb",
  ];
  const per: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    per.native.push((decodedBytes * reps) / 1e6 / (Math.max(1e-3, runNative(big) - startup) / 1000));
    for (const backend of ["zstddec", "bokuweb"] as ZstdBackend[]) {
      await selectZstdBackend(backend);
      per[`zstdOnly:${backend}`].push(timeMBps(zstdOnly, 300));
      per[`pipeline:${backend}`].push(timeMBps(servicePipeline, 300));
      per[`direct:${backend}`].push(timeMBps(directPipeline(direct[backend]), 300));
    }
  }
  await selectZstdBackend("fzstd");
  const fzstdMBps = timeMBps(zstdOnly, 1000);
  rmSync(dir, { recursive: true, force: true });

  const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const r2 = (x: number) => Number(x.toFixed(3));
  const best = Object.fromEntries(names.map((n) => [n, Number(Math.max(...per[n]).toFixed(1))]));
  const vsNative = Object.fromEntries(
    names.slice(1).map((n) => [n, r2(median(per[n].map((v, i) => v / per.native[i])))]),
  );
  const ratio = (a: string, b: string) => r2(median(per[a].map((v, i) => v / per[b][i])));
  console.log(
    JSON.stringify(
      {
        bench: "zstd-decoders",
        dataset: { generator: "gray-scott", size, steps, fields: ["u", "v"], brickSize: brick },
        frames: frames.length,
        decodedMB: decodedBytes / 1e6,
        storedMB: storedBytes / 1e6,
        rounds,
        correct,
        bestMBps: { ...best, "zstdOnly:fzstd": Number(fzstdMBps.toFixed(1)) },
        medianVsNativeSameRound: vsNative,
        bokuwebVsZstddecSameRound: {
          zstdOnly: ratio("zstdOnly:bokuweb", "zstdOnly:zstddec"),
          pipeline: ratio("pipeline:bokuweb", "pipeline:zstddec"),
          direct: ratio("direct:bokuweb", "direct:zstddec"),
        },
        directVsPipelineSameRound: {
          zstddec: ratio("direct:zstddec", "pipeline:zstddec"),
          bokuweb: ratio("direct:bokuweb", "pipeline:bokuweb"),
        },
        nativeStartupMs: startup,
      },
      null,
      2,
    ),
  );
}

main();
