import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shuffle as shuffleBytes } from "../../../src/core/filters";
import type { BrickEntry } from "../../../src/format/brick-entry";
import { Encoding } from "../../../src/format/constants";
import { xxhash32 } from "../../../src/format/xxhash32";
import { loadCompressor } from "../../../src/format/zstd-compress";
import { isFlatvoxError } from "../../../src/shared/errors";
import {
  allocTyped,
  asBytes,
  bytesPerValue,
  DTYPES,
  type DType,
  type TypedArray,
} from "../../../src/shared/types";
import { createDecodeService } from "../../../src/worker/decode-service";
import { createInlineExecutor } from "../../../src/worker/executor";
import { WorkerPool } from "../../../src/worker/pool";
import type { DecodeJob } from "../../../src/worker/protocol";
import { prng } from "./fixture";

let compress: (d: Uint8Array, level: number) => Uint8Array;
let pool: WorkerPool;

beforeAll(async () => {
  compress = (await loadCompressor()).compress;
  pool = new WorkerPool({ size: 2 });
});
afterAll(() => pool.terminate());

function randomBrick(dtype: DType, voxels: number, r: () => number): TypedArray {
  const a = allocTyped(dtype, voxels);
  let v = 0;
  for (let i = 0; i < voxels; i++) {
    if (r() < 0.3) v = r();
    a[i] =
      dtype === "f32"
        ? r() < 0.02
          ? Number.NaN
          : (v - 0.5) * 1e3
        : dtype === "i16"
          ? Math.floor(v * 65536) - 32768
          : Math.floor(v * (dtype === "u8" ? 256 : dtype === "u16" ? 65536 : 4294967296));
  }
  return a;
}

interface Made {
  job: DecodeJob;
  entries: BrickEntry[];
  stored: Uint8Array[];
  values: TypedArray[];
}

function entryOf(encoding: number, stored: Uint8Array, offset: number): BrickEntry {
  return {
    encoding: encoding as BrickEntry["encoding"],
    dedup: false,
    checksum: xxhash32(stored),
    offset,
    length: stored.length,
    refT: 0,
    min: 0,
    max: 0,
    mean: 0,
    homogeneity: 0,
    validCount: 0,
  };
}

/** A keyframe and `deltas` XOR-delta bricks on top of it, encoded as the packer does. */
function makeChain(dtype: DType, voxels: number, deltas: number, r: () => number): Made {
  const size = bytesPerValue(dtype);
  const values = [randomBrick(dtype, voxels, r)];
  for (let k = 0; k < deltas; k++) {
    const next = values[k].slice() as TypedArray;
    for (let i = 0; i < voxels; i++) if (r() < 0.05) next[i] = randomBrick(dtype, 1, r)[0];
    values.push(next);
  }
  const stored = values.map((v, k) => {
    const ref = k > 0 ? asBytes(values[k - 1]) : undefined;
    return compress(shuffleBytes(asBytes(v), size, new Uint8Array(voxels * size), ref), 1);
  });
  let offset = 1000;
  const entries = stored.map((s, k) => {
    const e = entryOf(k === 0 ? Encoding.SHUFFLE_ZSTD : Encoding.XOR_DELTA_SHUFFLE_ZSTD, s, offset);
    offset += s.length;
    return e;
  });
  const bytes = new Uint8Array(stored.reduce((n, s) => n + s.length, 0));
  let at = 0;
  for (const s of stored) {
    bytes.set(s, at);
    at += s.length;
  }
  const job: DecodeJob = {
    dtype,
    voxels,
    bytes,
    links: entries.map((e) => ({ encoding: e.encoding, offset: e.offset, length: e.length, value: 0 })),
  };
  return { job, entries, stored, values };
}

/** The values the chain's last link encodes (the oracle). */
function inlineDecode(m: Made): TypedArray {
  return m.values.at(-1) as TypedArray;
}

const bytesOf = (a: TypedArray) => Array.from(asBytes(a));

describe("worker pool decode", () => {
  it("runs in worker threads with the WASM core", async () => {
    const info = await pool.info();
    expect(info.mode).toBe("workers");
    expect(info.size).toBe(2);
    expect(info.implementation).toBe("wasm-simd");
  });

  for (const dtype of DTYPES) {
    it(`equals the in-thread decoder for random ${dtype} bricks and delta chains`, async () => {
      const r = prng(dtype.length * 31 + dtype.charCodeAt(0));
      const cases = [
        makeChain(dtype, 16 * 16 * 16, 0, r),
        makeChain(dtype, 13 * 7 * 5, 0, r),
        makeChain(dtype, 16 * 16 * 9, 2, r),
        makeChain(dtype, 1, 1, r),
      ];
      const got = await Promise.all(cases.map((c) => pool.decode(c.job)));
      for (let i = 0; i < cases.length; i++) {
        const want = inlineDecode(cases[i]);
        expect(got[i].constructor).toBe(want.constructor);
        expect(bytesOf(got[i])).toEqual(bytesOf(want));
        // Also bit-equal to the values that were encoded (NaN payloads included).
        expect(bytesOf(got[i])).toEqual(bytesOf(cases[i].values.at(-1) as TypedArray));
      }
    });
  }

  it("decodes a uniform keyframe under a delta brick", async () => {
    const r = prng(5);
    const voxels = 100;
    const cur = randomBrick("u16", voxels, r);
    const base = new Uint16Array(voxels).fill(7);
    const stored = compress(shuffleBytes(asBytes(cur), 2, new Uint8Array(200), asBytes(base)), 1);
    const v = await pool.decode({
      dtype: "u16",
      voxels,
      bytes: stored,
      links: [
        { encoding: Encoding.UNIFORM, offset: 0, length: 0, value: 7 },
        { encoding: Encoding.XOR_DELTA_SHUFFLE_ZSTD, offset: 10, length: stored.length, value: 0 },
      ],
    });
    expect(Array.from(v)).toEqual(Array.from(cur));
  });

  it("transfers the input when told the job owns it, copies it otherwise", async () => {
    const m = makeChain("f32", 4096, 0, prng(9));
    const kept = m.job.bytes;
    await pool.decode(m.job);
    expect(kept.byteLength).toBeGreaterThan(0);
    const owned = kept.slice();
    await pool.decode({ ...m.job, bytes: owned }, { transferInput: true });
    expect(owned.byteLength).toBe(0); // detached: it moved, it was not cloned
    const view = new Uint8Array(kept.length + 8);
    view.set(kept, 8);
    const sub = view.subarray(8);
    await pool.decode({ ...m.job, bytes: sub }, { transferInput: true }); // a view never detaches its buffer
    expect(view.byteLength).toBe(kept.length + 8);
  });
});

describe("errors cross the boundary by tag", () => {
  const expectTag = async (p: Promise<unknown>, tag: string) => {
    const err = await p.then(
      () => undefined,
      (e) => e,
    );
    expect(isFlatvoxError(err, tag as never), String(err)).toBe(true);
    return err as { context: Record<string, unknown>; message: string };
  };

  it("corrupt zstd → FormatError with the brick's offset", async () => {
    const m = makeChain("f32", 4096, 0, prng(3));
    const bad = m.job.bytes.slice();
    for (let i = 8; i < bad.length; i += 3) bad[i] ^= 0x5a;
    const err = await expectTag(pool.decode({ ...m.job, bytes: bad, section: "brick" }), "FormatError");
    expect(err.context.section).toBe("brick");
    expect(err.context.offset).toBe(1000);
    expect(err).toBeInstanceOf(Error);
  });

  it("checksum mismatch verified in the worker → ChecksumError", async () => {
    const m = makeChain("u8", 512, 0, prng(4));
    const links = m.job.links.map((l) => ({ ...l, checksum: m.entries[0].checksum ^ 1 }));
    const err = await expectTag(pool.decode({ ...m.job, links }), "ChecksumError");
    expect(err.context.offset).toBe(1000);
  });

  it("a frame declaring another size → LimitError / FormatError, short job → TruncatedError", async () => {
    const m = makeChain("u16", 512, 0, prng(6));
    await expectTag(pool.decode({ ...m.job, voxels: 256 }), "LimitError");
    await expectTag(pool.decode({ ...m.job, voxels: 1024 }), "FormatError");
    await expectTag(pool.decode({ ...m.job, bytes: m.job.bytes.subarray(1) }), "TruncatedError");
  });

  it("a delta brick with no reference → FormatError", async () => {
    const m = makeChain("u32", 64, 1, prng(8));
    const job = { ...m.job, bytes: m.stored[1], links: [m.job.links[1]] };
    await expectTag(pool.decode(job), "FormatError");
  });
});

describe("abort", () => {
  it("drops queued jobs, discards running ones, keeps the rest", async () => {
    const one = new WorkerPool({ size: 1, perWorker: 1 });
    try {
      await one.info();
      const chains = Array.from({ length: 8 }, (_, i) => makeChain("f32", 32 * 32 * 32, 0, prng(100 + i)));
      const controllers = chains.map(() => new AbortController());
      const results = chains.map((c, i) => one.decode(c.job, { signal: controllers[i].signal }));
      for (const p of results) p.catch(() => {});
      expect(one.queued).toBe(7); // one dispatched, seven waiting
      for (const i of [0, 2, 3, 5]) controllers[i].abort();
      expect(one.queued).toBe(4); // 2, 3, 5 left the queue at once
      const settled = await Promise.allSettled(results);
      settled.forEach((s, i) => {
        if ([0, 2, 3, 5].includes(i)) {
          expect(s.status).toBe("rejected");
          expect(isFlatvoxError((s as PromiseRejectedResult).reason, "AbortError")).toBe(true);
        } else {
          expect(s.status).toBe("fulfilled");
          expect(bytesOf((s as PromiseFulfilledResult<TypedArray>).value)).toEqual(
            bytesOf(chains[i].values[0]),
          );
        }
      });
      const pre = new AbortController();
      pre.abort();
      await expect(one.decode(chains[0].job, { signal: pre.signal })).rejects.toMatchObject({
        tag: "AbortError",
      });
    } finally {
      await one.terminate();
    }
  });

  it("the worker skips a job whose cancel arrived first", async () => {
    const service = createDecodeService();
    await service.init();
    const m = makeChain("u8", 64, 0, prng(2));
    service.cancel(41);
    const r = await service.decode(41, m.job);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.tag).toBe("AbortError");
    expect((await service.decode(42, m.job)).ok).toBe(true);
  });

  it("terminate fails pending work with WorkerError and refuses new work", async () => {
    const p = new WorkerPool({ size: 1 });
    const m = makeChain("f32", 4096, 0, prng(1));
    const job = p.decode(m.job);
    job.catch(() => {});
    await p.info();
    await p.terminate();
    await expect(p.decode(m.job)).rejects.toMatchObject({ tag: "WorkerError" });
  });
});

describe("in-thread executor", () => {
  it("gives the same results with the JS twins and with WASM", async () => {
    const js = createInlineExecutor("js");
    const wasm = createInlineExecutor();
    expect((await js.info()).implementation).toBe("js");
    const m = makeChain("i16", 16 * 16 * 16, 2, prng(77));
    const want = bytesOf(inlineDecode(m));
    expect(bytesOf(await js.decode(m.job))).toEqual(want);
    expect(bytesOf(await wasm.decode(m.job))).toEqual(want);
  });
});
