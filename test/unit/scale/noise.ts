/** Incompressible f32 noise for object-storage tests: 64³ × 4 B = 1 MiB a step, so a few steps need a multipart upload. */
import type { DatasetSpec, TimestepData } from "../../../src/writer/pack-types";

export function noise(steps: number): { spec: DatasetSpec; steps: TimestepData[] } {
  const dims: [number, number, number] = [64, 64, 64];
  const n = dims[0] * dims[1] * dims[2];
  let a = 12345;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const data = Array.from({ length: steps }, () => Float32Array.from({ length: n }, rnd));
  return {
    spec: {
      dims,
      origin: [0, 0, 0],
      spacing: [1, 1, 1],
      fields: [{ name: "q", dtype: "f32", kind: "scalar" }],
      times: Array.from({ length: steps }, (_, i) => i),
    } as DatasetSpec,
    steps: data.map((q, index) => ({ index, fields: { q } })),
  };
}
