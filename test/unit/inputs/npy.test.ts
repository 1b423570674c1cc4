import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isFlatvoxError } from "../../../src/shared/errors";
import { readNpy } from "../../../src/writer/inputs/npy";
import type { TimestepData, TimestepSource } from "../../../src/writer/pack-types";
import { wholeField } from "../../helpers/step-values";
import { npy, range } from "./npy-fixture";

const dir = mkdtempSync(join(tmpdir(), "fvx-npy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
function file(bytes: Uint8Array): string {
  const p = join(dir, `a${counter++}.npy`);
  writeFileSync(p, bytes);
  return p;
}

async function collect(steps: TimestepSource, field = "value"): Promise<number[][]> {
  const out: number[][] = [];
  for await (const s of steps as AsyncIterable<TimestepData>) {
    expect(s.index).toBe(out.length);
    out.push(Array.from(await wholeField(s.fields[field])));
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

// shape (nz=2, ny=3, nx=4): C-order values are already x fastest.
const SHAPE3 = [2, 3, 4];
const V = range(24, (i) => i * 1.5 - 7);

describe("readNpy", () => {
  it("reads a v1 little-endian C-order f4 array exactly", async () => {
    const f = file(npy({ code: "f4", shape: SHAPE3, values: V }));
    const { spec, steps } = await readNpy([f], { field: "rho", units: "kg/m3" });
    expect(spec.dims).toEqual([4, 3, 2]);
    expect(spec.fields).toEqual([
      { name: "rho", dtype: "f32", kind: "scalar", units: "kg/m3", fill: undefined },
    ]);
    expect(spec.times).toEqual([0]);
    expect(await collect(steps, "rho")).toEqual([V]);
  });

  it("transposes a v2 Fortran-order u2 array to x fastest", async () => {
    const f = file(
      npy({ code: "u2", shape: SHAPE3, values: range(24, (i) => i * 1000), fortran: true, version: 2 }),
    );
    const { spec, steps } = await readNpy([f]);
    expect(spec.fields[0].dtype).toBe("u16");
    expect(await collect(steps)).toEqual([range(24, (i) => i * 1000)]);
  });

  it("reads a v3 header", async () => {
    const f = file(npy({ code: "u1", shape: SHAPE3, values: range(24), version: 3 }));
    expect(await collect((await readNpy([f])).steps)).toEqual([range(24)]);
  });

  it("byte-swaps big-endian i2 and converts big-endian f8 to f32", async () => {
    const vals = range(24, (i) => (i - 12) * 1111);
    const a = file(npy({ code: "i2", shape: SHAPE3, values: vals, little: false }));
    expect(await collect((await readNpy([a])).steps)).toEqual([vals]);
    const b = file(npy({ code: "f8", shape: SHAPE3, values: V.map((v) => v + 0.1), little: false }));
    const { spec, steps } = await readNpy([b]);
    expect(spec.fields[0].dtype).toBe("f32");
    expect(await collect(steps)).toEqual([V.map((v) => Math.fround(v + 0.1))]);
  });

  it("streams a 4D C-order array as timesteps", async () => {
    const shape = [3, 2, 3, 4];
    const vals = range(72, (i) => i * 2);
    const f = file(npy({ code: "u4", shape, values: vals }));
    const { spec, steps } = await readNpy([f], { times: [0, 0.5, 2] });
    expect(spec.times).toEqual([0, 0.5, 2]);
    expect(spec.dims).toEqual([4, 3, 2]);
    expect(await collect(steps)).toEqual([vals.slice(0, 24), vals.slice(24, 48), vals.slice(48)]);
    // Re-iterable: a second pass yields the same data.
    expect((await collect(steps)).length).toBe(3);
  });

  it("reads a 4D Fortran-order array (time fastest in memory)", async () => {
    const shape = [2, 2, 3, 4];
    const vals = range(48, (i) => i);
    const f = file(npy({ code: "i2", shape, values: vals, fortran: true, version: 2 }));
    expect(await collect((await readNpy([f])).steps)).toEqual([vals.slice(0, 24), vals.slice(24)]);
  });

  it("interprets (nx, ny, nz) Fortran arrays with axes xyz", async () => {
    // Logical shape (nx=4, ny=3, nz=2) in Fortran order: memory is x fastest.
    const shape = [4, 3, 2];
    const xFastest = range(24, (i) => i + 100);
    // Build C-order logical values of shape (4,3,2): a[x][y][z] = xFastest[x + 4*(y + 3*z)].
    const logical: number[] = [];
    for (let x = 0; x < 4; x++)
      for (let y = 0; y < 3; y++) for (let z = 0; z < 2; z++) logical.push(xFastest[x + 4 * (y + 3 * z)]);
    const f = file(npy({ code: "u2", shape, values: logical, fortran: true }));
    const { spec, steps } = await readNpy([f], { axes: "xyz" });
    expect(spec.dims).toEqual([4, 3, 2]);
    expect(await collect(steps)).toEqual([xFastest]);
  });

  it("joins several files into a time series in the given order", async () => {
    const a = file(npy({ code: "f4", shape: SHAPE3, values: V }));
    const b = file(
      npy({ code: "f4", shape: [2, 2, 3, 4], values: [...V.map((v) => -v), ...V.map((v) => v * 2)] }),
    );
    const { spec, steps } = await readNpy([b, a]);
    expect(spec.times).toEqual([0, 1, 2]);
    // File names only: published files carry no local directories.
    expect(spec.metadata?.source).toEqual([basename(b), basename(a)]);
    expect(await collect(steps)).toEqual([V.map((v) => -v), V.map((v) => v * 2), V]);
  });

  it("converts i4 labels to u32 for categorical fields and i8 to f32 for scalar ones", async () => {
    const labels = range(24, (i) => (i * 7) % 5);
    const a = file(npy({ code: "i4", shape: SHAPE3, values: labels }));
    const r = await readNpy([a], { kind: "categorical", field: "label" });
    expect(r.spec.fields[0].dtype).toBe("u32");
    expect(await collect(r.steps, "label")).toEqual([labels]);
    const b = file(npy({ code: "i8", shape: SHAPE3, values: range(24, (i) => i - 10) }));
    const s = await readNpy([b]);
    expect(s.spec.fields[0].dtype).toBe("f32");
    expect(await collect(s.steps)).toEqual([range(24, (i) => i - 10)]);
  });

  it("rejects values that do not fit the stored dtype, naming the byte offset", async () => {
    const vals = range(24, (i) => (i === 5 ? -3 : i));
    const a = file(npy({ code: "i4", shape: SHAPE3, values: vals }));
    const { steps } = await readNpy([a], { kind: "categorical" });
    const e = await inputError(collect(steps));
    expect(e.message).toMatch(/-3 at element 5/);
    expect(e.context.offset).toBe(128 + 5 * 4);
    const b = file(npy({ code: "f8", shape: SHAPE3, values: range(24, (i) => (i === 2 ? 1e300 : i)) }));
    expect((await inputError(collect((await readNpy([b])).steps))).message).toMatch(/overflows f32/);
    const c = file(npy({ code: "f4", shape: SHAPE3, values: range(24, (i) => i + 0.5) }));
    expect((await inputError(collect((await readNpy([c], { dtype: "u16" })).steps))).message).toMatch(
      /does not fit u16/,
    );
  });

  it("rejects malformed headers", async () => {
    const good = npy({ code: "f4", shape: SHAPE3, values: V });
    const badMagic = good.slice();
    badMagic[1] = 0x4f;
    expect((await inputError(readNpy([file(badMagic)]))).message).toMatch(/bad magic/);
    const badVersion = good.slice();
    badVersion[6] = 9;
    expect((await inputError(readNpy([file(badVersion)]))).message).toMatch(/version 9/);
    const broken = npy({
      code: "f4",
      shape: SHAPE3,
      values: V,
      dict: "{'descr' '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }",
    });
    const e = await inputError(readNpy([file(broken)]));
    expect(e.message).toMatch(/malformed \.npy header: expected ':'/);
    expect(e.context.offset).toBeGreaterThanOrEqual(10);
    const noShape = npy({
      code: "f4",
      shape: SHAPE3,
      values: V,
      dict: "{'descr': '<f4', 'fortran_order': False}",
    });
    expect((await inputError(readNpy([file(noShape)]))).message).toMatch(/'shape' missing/);
    const longHeader = good.slice(0, 12);
    new DataView(longHeader.buffer).setUint32(8, 0x7fffffff, true);
    longHeader[6] = 2;
    expect((await inputError(readNpy([file(longHeader)]))).message).toMatch(/header length/);
    expect((await inputError(readNpy([file(good.slice(0, 40))]))).message).toMatch(/truncated \.npy header/);
    expect((await inputError(readNpy([file(new Uint8Array(5))]))).message).toMatch(/not a \.npy file/);
    expect((await inputError(readNpy([join(dir, "missing.npy")]))).message).toMatch(/cannot open/);
  });

  it("rejects unsupported dtypes, wrong ranks and absurd shapes", async () => {
    const complex = npy({
      code: "f4",
      shape: SHAPE3,
      values: V,
      dict: "{'descr': '<c8', 'fortran_order': False, 'shape': (2, 3, 4), }",
    });
    expect((await inputError(readNpy([file(complex)]))).message).toMatch(/unsupported \.npy dtype '<c8'/);
    const structured = npy({
      code: "f4",
      shape: SHAPE3,
      values: V,
      dict: "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 3, 4), }",
    });
    expect((await inputError(readNpy([file(structured)]))).message).toMatch(/structured/);
    const flat = npy({ code: "f4", shape: [24], values: V });
    expect((await inputError(readNpy([file(flat)]))).message).toMatch(/expected a 3D/);
    const huge = npy({
      code: "f4",
      shape: SHAPE3,
      values: V,
      dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000, 1000000), }",
    });
    const e = await inputError(readNpy([file(huge)]));
    expect(e.message).toMatch(/over the limit|absurdly/);
    const zero = npy({
      code: "f4",
      shape: SHAPE3,
      values: V,
      dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 0, 4), }",
    });
    expect((await inputError(readNpy([file(zero)]))).message).toMatch(/invalid dimension 0/);
  });

  it("rejects truncated data with the offset where the data ends", async () => {
    const good = npy({ code: "f4", shape: [2, 2, 3, 4], values: range(48) });
    const cut = good.slice(0, good.length - 10);
    const { steps } = await readNpy([file(cut)]);
    const e = await inputError(collect(steps));
    expect(e.message).toMatch(/truncated/);
    expect(e.context.offset).toBe(cut.length);
  });

  it("rejects grids that differ between files and mismatched time values", async () => {
    const a = file(npy({ code: "f4", shape: SHAPE3, values: V }));
    const b = file(npy({ code: "f4", shape: [3, 2, 4], values: V }));
    expect((await inputError(readNpy([a, b]))).message).toMatch(/differs/);
    expect((await inputError(readNpy([a, a], { times: [0] }))).message).toMatch(
      /1 time values given for 2 timesteps/,
    );
    expect((await inputError(readNpy([a, a], { times: [1, 1] }))).message).toMatch(/strictly increasing/);
  });
});
