import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { zipSync } from "fflate";
import { afterAll, describe, expect, it } from "vitest";
import { isFlatvoxError } from "../../../src/shared/errors";
import { readNpz } from "../../../src/writer/inputs/npz";
import { readRaw } from "../../../src/writer/inputs/raw";
import { isSlabReader, type TimestepData, type TimestepSource } from "../../../src/writer/pack-types";
import { encode, npy, range } from "./npy-fixture";

const dir = mkdtempSync(join(tmpdir(), "fvx-npz-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
function file(bytes: Uint8Array, ext: string): string {
  const p = join(dir, `f${counter++}.${ext}`);
  writeFileSync(p, bytes);
  return p;
}

/** The values of the only field (or `name`), per timestep, read whole. */
async function collect(steps: TimestepSource, name?: string): Promise<number[][]> {
  const out: number[][] = [];
  for await (const s of steps as AsyncIterable<TimestepData>) {
    const f = s.fields[name ?? Object.keys(s.fields)[0]];
    out.push(Array.from(isSlabReader(f) ? await f.read(0, SHAPE[0], 0, SHAPE[1]) : f));
  }
  return out;
}

async function inputError(
  p: Promise<unknown>,
): Promise<{ message: string; context: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    expect(isFlatvoxError(e, "InputError")).toBe(true);
    return e as { message: string; context: Record<string, unknown> };
  }
  throw new Error("expected an InputError");
}

const SHAPE = [2, 3, 4];
const step = (t: number) => range(24, (i) => i + 100 * t);

/** Offset of the central directory entry named `name` (zips from fflate have no comments). */
function centralEntry(zip: Uint8Array, name: string): number {
  const dv = new DataView(zip.buffer);
  for (let p = zip.length - 22; p >= 0; p--) {
    if (dv.getUint32(p, true) !== 0x02014b50) continue;
    const len = dv.getUint16(p + 28, true);
    if (new TextDecoder().decode(zip.subarray(p + 46, p + 46 + len)) === name) return p;
  }
  throw new Error(`no entry ${name}`);
}

describe("readNpz", () => {
  for (const level of [0, 6] as const) {
    it(`reads one array per timestep in natural name order (${level ? "deflated" : "stored"})`, async () => {
      const members: Record<string, Uint8Array> = {};
      for (const t of [0, 1, 2, 10])
        members[`t${t}.npy`] = npy({ code: "f4", shape: SHAPE, values: step(t) });
      const f = file(zipSync(members, { level }), "npz");
      const { spec, steps } = await readNpz([f], { arraysAsTime: true });
      expect(spec.times).toEqual([0, 1, 2, 3]);
      const n = basename(f);
      expect(spec.metadata?.source).toEqual([`${n}:t0.npy`, `${n}:t1.npy`, `${n}:t2.npy`, `${n}:t10.npy`]);
      expect(await collect(steps)).toEqual([step(0), step(1), step(2), step(10)]);
    });

    it(`streams a single 4D member (${level ? "deflated" : "stored"})`, async () => {
      const vals = range(5 * 24, (i) => (i * 37) % 1000);
      const f = file(
        zipSync({ "data.npy": npy({ code: "u2", shape: [5, ...SHAPE], values: vals }) }, { level }),
        "npz",
      );
      const out = await collect((await readNpz([f])).steps);
      expect(out).toEqual(range(5).map((t) => vals.slice(t * 24, t * 24 + 24)));
    });
  }

  it("takes the arrays named, in the order named", async () => {
    const f = file(
      zipSync({
        "a.npy": npy({ code: "f4", shape: SHAPE, values: step(1) }),
        "b.npy": npy({ code: "f4", shape: SHAPE, values: step(2) }),
        "mask.npy": npy({ code: "u1", shape: [1], values: [1] }),
      }),
      "npz",
    );
    expect(await collect((await readNpz([f], { arrays: ["b", "a"], arraysAsTime: true })).steps)).toEqual([
      step(2),
      step(1),
    ]);
    expect((await inputError(readNpz([f], { arrays: ["c"] }))).message).toMatch(/no array 'c'/);
  });

  it("never inflates past the declared size (decompression bomb)", async () => {
    const vals = range(4 * 24, () => 7);
    const zip = zipSync({ "x.npy": npy({ code: "f4", shape: [4, ...SHAPE], values: vals }) }, { level: 9 });
    const bomb = zip.slice();
    const e = centralEntry(bomb, "x.npy");
    new DataView(bomb.buffer).setUint32(e + 24, 300, true); // declared uncompressed size, far below the real one
    const err = await inputError(readNpz([file(bomb, "npz")]).then((d) => collect(d.steps)));
    expect(err.message).toMatch(/inflates beyond its declared size 300/);
    // A declared size that holds the header and one of the four timesteps.
    const short = zip.slice();
    new DataView(short.buffer).setUint32(centralEntry(short, "x.npy") + 24, 128 + 24 * 4, true);
    const err2 = await inputError(readNpz([file(short, "npz")]).then((d) => collect(d.steps)));
    expect(err2.message).toMatch(/declared size 224|shape needs 384 data bytes/);
  });

  it("reports a CRC mismatch and corrupt deflate data", async () => {
    const zip = zipSync({ "x.npy": npy({ code: "f4", shape: SHAPE, values: step(3) }) }, { level: 6 });
    const badCrc = zip.slice();
    const e = centralEntry(badCrc, "x.npy");
    new DataView(badCrc.buffer).setUint32(e + 16, 0x12345678, true);
    expect((await inputError(readNpz([file(badCrc, "npz")]).then((d) => collect(d.steps)))).message).toMatch(
      /CRC-32/,
    );
    const garbage = zip.slice();
    const lh = new DataView(garbage.buffer).getUint16(26, true) + 30;
    garbage.fill(0xff, lh, lh + 8);
    expect((await inputError(readNpz([file(garbage, "npz")]).then((d) => collect(d.steps)))).message).toMatch(
      /deflate|npy/,
    );
  });

  it("rejects non-zip files and unsupported members", async () => {
    expect((await inputError(readNpz([file(new Uint8Array(100), "npz")]))).message).toMatch(
      /end-of-central-directory/,
    );
    const zip = zipSync({ "x.npy": npy({ code: "f4", shape: SHAPE, values: step(0) }) }, { level: 0 });
    const odd = zip.slice();
    new DataView(odd.buffer).setUint16(centralEntry(odd, "x.npy") + 10, 12, true); // bzip2
    expect((await inputError(readNpz([file(odd, "npz")]))).message).toMatch(/method 12/);
    const cut = zip.slice(0, zip.length - 30);
    expect((await inputError(readNpz([file(cut, "npz")]))).message).toMatch(
      /end-of-central-directory|out of bounds/,
    );
  });
});

describe("readRaw", () => {
  it("reads one timestep per file", async () => {
    const a = file(encode(step(0), "f4"), "raw");
    const b = file(encode(step(1), "f4"), "raw");
    const { spec, steps } = await readRaw([a, b], { dims: [4, 3, 2], inputType: "f32", times: [10, 20] });
    expect(spec.dims).toEqual([4, 3, 2]);
    expect(spec.times).toEqual([10, 20]);
    expect(await collect(steps)).toEqual([step(0), step(1)]);
  });

  it("splits a multi-timestep big-endian file and skips a header", async () => {
    const body = encode([...step(0), ...step(1), ...step(2)], "u2", false);
    const bytes = new Uint8Array(16 + body.length);
    bytes.set(body, 16);
    const f = file(bytes, "raw");
    const { spec, steps } = await readRaw([f], {
      dims: [4, 3, 2],
      inputType: "u16",
      endian: "big",
      headerBytes: 16,
    });
    expect(spec.fields[0].dtype).toBe("u16");
    expect(await collect(steps)).toEqual([step(0), step(1), step(2)]);
  });

  it("converts float64 to f32 and accepts NumPy codes", async () => {
    const vals = range(24, (i) => i / 3);
    const f = file(encode(vals, "f8"), "raw");
    const out = await collect((await readRaw([f], { dims: [4, 3, 2], inputType: "float64" })).steps);
    expect(out).toEqual([vals.map(Math.fround)]);
    const g = file(encode(vals, "f8", false), "raw");
    expect(await collect((await readRaw([g], { dims: [4, 3, 2], inputType: ">f8" })).steps)).toEqual([
      vals.map(Math.fround),
    ]);
  });

  it("rejects sizes that are not whole timesteps and unknown types", async () => {
    const f = file(new Uint8Array(24 * 4 + 3), "raw");
    const e = await inputError(readRaw([f], { dims: [4, 3, 2], inputType: "f32" }));
    expect(e.message).toMatch(/not a whole number/);
    expect(e.context.offset).toBe(96);
    expect((await inputError(readRaw([f], { dims: [4, 3, 2], inputType: "c64" }))).message).toMatch(
      /unsupported element type/,
    );
  });
});
