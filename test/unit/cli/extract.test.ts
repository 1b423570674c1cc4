import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main";
import { openDataset } from "../../../src/reader";
import { isFlatvoxError } from "../../../src/shared/errors";
import { boxCsv, boxNpy, encodeNpy } from "../../../src/shared/npy-write";
import type { Box3, TypedArray } from "../../../src/shared/types";
import { parseNpyHeader } from "../../../src/writer/inputs/npy-header";
import { packDataset } from "../../../src/writer/packer";
import { startFlatvox, type TestServer } from "../../helpers/servers";
import { cleanupTemp, prng, tempDir } from "../reader/fixtures";

afterAll(cleanupTemp);

const bytesOf = (a: TypedArray) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function hasNumpy(): boolean {
  return spawnSync("python3", ["-c", "import numpy"]).status === 0;
}

describe("npy writer", () => {
  it("round-trips through the project's npy header parser for every dtype", () => {
    const cases: [TypedArray, "u8" | "u16" | "i16" | "u32" | "f32"][] = [
      [new Uint8Array([1, 2, 3, 4, 5, 6]), "u8"],
      [new Uint16Array([1, 65535, 3, 4, 5, 6]), "u16"],
      [new Int16Array([-1, 2, -32768, 4, 5, 6]), "i16"],
      [new Uint32Array([1, 2, 3, 4294967295, 5, 6]), "u32"],
      [new Float32Array([1.5, Number.NaN, -0, 4, Number.POSITIVE_INFINITY, 6]), "f32"],
    ];
    for (const [data, dtype] of cases) {
      const npy = boxNpy(data, dtype, [3, 2, 1]);
      const h = parseNpyHeader(npy, "x.npy");
      expect(h.shape).toEqual([1, 2, 3]);
      expect(h.fortranOrder).toBe(false);
      expect(h.dataOffset % 64).toBe(0);
      expect(Buffer.from(npy.subarray(h.dataOffset)).equals(bytesOf(data))).toBe(true);
    }
    expect(parseNpyHeader(encodeNpy(new Uint8Array(4), "u8", [4]), "x").shape).toEqual([4]);
    expect(() => encodeNpy(new Uint8Array(5), "u8", [2, 2])).toThrow(/does not hold/);
  });

  it("CSV lists x,y,z,value per voxel, x fastest", () => {
    const csv = boxCsv(new Float32Array([1, 2, 3, 4]), [5, 6, 7], [2, 2, 1], "v,1");
    expect(csv).toBe('x,y,z,"v,1"\n5,6,7,1\n6,6,7,2\n5,7,7,3\n6,7,7,4\n');
  });
});

describe("flatvox extract against a loopback server", () => {
  const dir = tempDir();
  const path = join(dir, "rand.fvx");
  let server: TestServer;
  const dims = [45, 38, 33] as [number, number, number];
  beforeAll(async () => {
    const rnd = prng(5);
    const n = dims[0] * dims[1] * dims[2];
    const steps = [0, 1, 2].map((t) => {
      const a = new Float32Array(n);
      const m = new Uint16Array(n);
      for (let i = 0; i < n; i++) {
        a[i] = rnd() * 10 - t;
        m[i] = Math.floor(rnd() * 4);
      }
      return { index: t, fields: { a, m } };
    });
    await packDataset(
      {
        dims,
        times: [0, 1, 2],
        fields: [
          { name: "a", dtype: "f32", kind: "scalar" },
          { name: "m", dtype: "u16", kind: "categorical" },
        ],
      },
      steps,
      path,
      { brickSize: 16, workers: 0 },
    );
    server = await startFlatvox(dirname(path));
  });
  afterAll(async () => server?.stop());

  const cases: { name: string; box: Box3; t: number; level: number; field: string }[] = [
    { name: "unaligned level 0", box: { min: [3, 7, 11], max: [40, 30, 29] }, t: 1, level: 0, field: "a" },
    { name: "categorical level 1", box: { min: [0, 0, 0], max: [23, 19, 17] }, t: 2, level: 1, field: "m" },
  ];
  for (const c of cases)
    it(`${c.name}: the .npy equals readRegion (project parser${hasNumpy() ? " and numpy" : ""})`, async () => {
      const out = join(dir, `${c.field}-${c.level}.npy`);
      const b = c.box;
      await main([
        "node",
        "flatvox",
        "extract",
        `${server.url}${basename(path)}`,
        "--box",
        [...b.min, ...b.max].join(","),
        "--t",
        String(c.t),
        "--level",
        String(c.level),
        "--field",
        c.field,
        "-o",
        out,
        "-q",
      ]);
      const ds = await openDataset(path, { workers: false });
      const want = await ds.readRegion({ field: c.field, t: c.t, level: c.level, box: b });
      await ds.source.close?.();
      const npy = readFileSync(out);
      const h = parseNpyHeader(npy, out);
      expect(h.shape).toEqual([b.max[2] - b.min[2], b.max[1] - b.min[1], b.max[0] - b.min[0]]);
      expect(h.descr).toBe(c.field === "a" ? "<f4" : "<u2");
      expect(npy.subarray(h.dataOffset).equals(bytesOf(want))).toBe(true);
      const logged = await server.log();
      expect(logged.some((r) => r.url.endsWith("rand.fvx") && r.range !== undefined)).toBe(true);
      if (hasNumpy()) {
        const py = spawnSync(
          "python3",
          [
            "-c",
            "import sys, json, hashlib, numpy as np; a = np.load(sys.argv[1]); print(json.dumps([list(a.shape), a.dtype.str, hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest(), float(a[1, 2, 3])]))",
            out,
          ],
          { encoding: "utf8" },
        );
        expect(py.status).toBe(0);
        const [shape, descr, sha, v] = JSON.parse(py.stdout);
        expect(shape).toEqual(h.shape);
        expect(descr).toBe(h.descr);
        expect(sha).toBe(createHash("sha256").update(bytesOf(want)).digest("hex"));
        const nx = b.max[0] - b.min[0];
        const ny = b.max[1] - b.min[1];
        expect(v).toBeCloseTo(want[3 + nx * (2 + ny * 1)], 5);
      }
    });

  it("CSV by extension, and bad boxes are typed errors that leave no file", async () => {
    const out = join(dir, "small.csv");
    await main(["node", "flatvox", "extract", path, "--box", "1,2,3,3,4,4", "--t", "0", "-o", out, "-q"]);
    const lines = readFileSync(out, "utf8").trim().split("\n");
    expect(lines[0]).toBe("x,y,z,a");
    expect(lines.length).toBe(1 + 2 * 2 * 1);
    const ds = await openDataset(path, { workers: false });
    const v = await ds.sample({ field: "a", t: 0, point: [2, 2, 3] });
    await ds.source.close?.();
    expect(lines[2]).toBe(`2,2,3,${v}`);
    const bad = join(dir, "bad.npy");
    const e = await import("../../../src/cli/extract").then((m) =>
      m.runExtract(path, { box: "0,0,0,99,1,1", t: "0", out: bad }).catch((x) => x),
    );
    expect(isFlatvoxError(e, "RangeError")).toBe(true);
    expect(existsSync(bad)).toBe(false);
    const e2 = await import("../../../src/cli/extract").then((m) =>
      m.runExtract(path, { box: "0,0,0,1,1", t: "0", out: bad }).catch((x) => x),
    );
    expect(isFlatvoxError(e2, "InputError")).toBe(true);
  });
});
