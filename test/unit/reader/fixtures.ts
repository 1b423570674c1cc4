/** Small packed datasets for format, reader and writer tests (packed by the real packer). */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mulberry32 as prng } from "../../../src/demo/prng";
import type { ByteSource, ReadOptions } from "../../../src/io/byte-source";
import {
  allocTyped,
  type DType,
  type FieldKind,
  type TypedArray,
  type Vec3,
} from "../../../src/shared/types";
import type { ArrayTimestepData, FieldSpec, PackOptions } from "../../../src/writer/pack-types";
import { type PackReport, packDataset } from "../../../src/writer/packer";

export { prng };

function randomValue(dtype: DType, kind: FieldKind, r: () => number): number {
  if (kind === "categorical") return Math.floor(r() * 6) + (dtype === "i16" ? -2 : 0);
  switch (dtype) {
    case "u8":
      return Math.floor(r() * 256);
    case "u16":
      return Math.floor(r() * 65536);
    case "i16":
      return Math.floor(r() * 65536) - 32768;
    case "u32":
      return Math.floor(r() * 4294967296);
    case "f32":
      return r() < 0.01 ? Number.NaN : (r() - 0.5) * 1e4;
  }
}

/**
 * Three timesteps with structure the packer must exploit: a constant slab
 * (x < 16: uniform bricks), t=1 changes only x in [16, 32) (other bricks
 * dedup), t=2 changes 1% of voxels of t=1 (delta bricks).
 */
export function makeSteps(
  dims: Vec3,
  dtype: DType,
  kind: FieldKind,
  seed: number,
  name = "f",
): ArrayTimestepData[] {
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  const r = prng(seed);
  const constant = kind === "categorical" ? 3 : dtype === "f32" ? 1.5 : 7;
  const t0 = allocTyped(dtype, n);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++)
        t0[x + nx * (y + ny * z)] = x < 16 ? constant : randomValue(dtype, kind, r);
  const t1 = t0.slice() as TypedArray;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 16; x < Math.min(32, nx); x++) t1[x + nx * (y + ny * z)] = randomValue(dtype, kind, r);
  const t2 = t1.slice() as TypedArray;
  for (let i = 0; i < n; i++) if (i % nx >= 16 && r() < 0.01) t2[i] = randomValue(dtype, kind, r);
  return [t0, t1, t2].map((a, index) => ({ index, fields: { [name]: a } }));
}

const dirs: string[] = [];

export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "fvx-test-"));
  dirs.push(d);
  return d;
}

export function cleanupTemp(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export interface Packed {
  bytes: Uint8Array;
  path: string;
  report: PackReport;
  steps: ArrayTimestepData[];
}

export async function packSmall(
  fields: FieldSpec[],
  dims: Vec3 = [37, 20, 9],
  opts: PackOptions = {},
  seed = 1,
): Promise<Packed> {
  const perField = fields.map((f, i) => makeSteps(dims, f.dtype, f.kind, seed + i, f.name));
  const steps = [0, 1, 2].map((index) => ({
    index,
    fields: Object.assign({}, ...perField.map((s) => s[index].fields)) as Record<string, TypedArray>,
  }));
  const path = join(tempDir(), "t.fvx");
  const report = await packDataset(
    { dims, fields, times: [0.5, 1.5, 4], timeUnits: "s", metadata: { simulation: "test", n: 1 } },
    steps,
    path,
    { brickSize: 16, workers: 0, ...opts },
  );
  return { bytes: new Uint8Array(readFileSync(path)), path, report, steps };
}

/** A source over bytes that counts getBytes calls and records their purposes. */
export class CountingSource implements ByteSource {
  calls: { offset: number; length: number; purpose?: string }[] = [];
  readonly id = "counting:";
  constructor(private readonly bytes: Uint8Array) {}
  get size(): number {
    return this.bytes.length;
  }
  async getBytes(offset: number, length: number, o: ReadOptions = {}): Promise<Uint8Array> {
    this.calls.push({ offset, length, purpose: o.purpose });
    const { MemorySource } = await import("../../../src/io/memory-source");
    const out = await new MemorySource(this.bytes, this.id).getBytes(offset, length, o);
    o.verify?.(out);
    return out;
  }
}
