// TEMPORARY development dataset (removed once the reader exists).
import type { TypedArray, Vec3 } from "../../shared/types";
import type { BrickAddress, BrickPayload, BrickSummary, ViewerDataset, ViewerInfo } from "./viewer-types";

const B = 32;
const DIMS: Vec3 = [96, 80, 72];

function levelsFor(dims: Vec3) {
  const levels = [];
  let d: Vec3 = [...dims];
  for (let l = 0; ; l++) {
    const bricks: Vec3 = [Math.ceil(d[0] / B), Math.ceil(d[1] / B), Math.ceil(d[2] / B)];
    levels.push({ level: l, dims: d, bricks });
    if (bricks[0] * bricks[1] * bricks[2] === 1) break;
    d = [Math.ceil(d[0] / 2), Math.ceil(d[1] / 2), Math.ceil(d[2] / 2)];
  }
  return levels;
}

export function openSynthetic(): ViewerDataset {
  const levels = levelsFor(DIMS);
  const info: ViewerInfo = {
    dims: DIMS,
    origin: [0, 0, 0],
    spacing: [1, 1, 1.5],
    fields: [
      { name: "density", dtype: "f32", kind: "scalar", units: "kg/m^3", fill: 0 },
      { name: "material", dtype: "u8", kind: "categorical", units: "", fill: 0 },
    ],
    times: [0, 0.5, 1, 1.5, 2, 2.5],
    timeUnits: "s",
    metadata: { simulation: "synthetic <b>blobs</b>", code: "dev" },
    brickSize: B,
    levels,
    version: "dev",
  };
  const cache = new Map<string, { data: TypedArray; dims: Vec3 }>();
  const full = (field: string, t: number, level: number): { data: TypedArray; dims: Vec3 } => {
    const k = `${field}/${t}/${level}`;
    let v = cache.get(k);
    if (v) return v;
    const dims = levels[level].dims;
    const s = 2 ** level;
    const n = dims[0] * dims[1] * dims[2];
    const data = field === "density" ? new Float32Array(n) : new Uint8Array(n);
    for (let z = 0; z < dims[2]; z++)
      for (let y = 0; y < dims[1]; y++)
        for (let x = 0; x < dims[0]; x++) {
          const X = (x + 0.5) * s, Y = (y + 0.5) * s, Z = (z + 0.5) * s;
          const i = x + dims[0] * (y + dims[1] * z);
          if (field === "density") {
            const cx = 40 + t * 6, cy = 40, cz = 36;
            const r = Math.hypot(X - cx, Y - cy, Z - cz);
            const r2 = Math.hypot(X - 70, Y - 30 - t * 3, Z - 50);
            data[i] = 100 * Math.exp(-(r * r) / 200) + 60 * Math.exp(-(r2 * r2) / 80);
          } else {
            const ground = 20 + 8 * Math.sin(X / 10) * Math.cos(Y / 13);
            data[i] = Z < ground - 10 ? 1 : Z < ground ? 2 : Z < ground + 3 && X < 40 + t * 5 ? 3 : 0;
          }
        }
    v = { data, dims };
    cache.set(k, v);
    return v;
  };
  const extract = (a: BrickAddress): BrickPayload => {
    const f = full(a.field, a.t, a.level);
    const o = a.brick.map((b) => b * B) as Vec3;
    const dims = [0, 1, 2].map((i) => Math.min(B, f.dims[i] - o[i])) as Vec3;
    const data = (f.data instanceof Float32Array ? new Float32Array(dims[0] * dims[1] * dims[2]) : new Uint8Array(dims[0] * dims[1] * dims[2]));
    for (let z = 0; z < dims[2]; z++)
      for (let y = 0; y < dims[1]; y++)
        for (let x = 0; x < dims[0]; x++)
          data[x + dims[0] * (y + dims[1] * z)] = f.data[o[0] + x + f.dims[0] * (o[1] + y + f.dims[1] * (o[2] + z))];
    return { data, dims };
  };
  let requests = 0;
  let bytes = 0;
  return {
    url: "synthetic:",
    info,
    async summary(a): Promise<BrickSummary> {
      const p = extract(a);
      let min = Infinity, max = -Infinity, sum = 0;
      for (const v of p.data) { min = Math.min(min, v); max = Math.max(max, v); sum += v; }
      let h = 0;
      for (const v of p.data) h = (h * 31 + Math.round(v * 1000)) >>> 0;
      const uniform = min === max ? min : undefined;
      return { contentKey: `${a.field}/${a.level}/${h}`, uniform, min, max, mean: sum / p.data.length, length: uniform === undefined ? p.data.byteLength : 0 };
    },
    async readBrick(a) {
      await new Promise((r) => setTimeout(r, 20));
      requests++;
      const p = extract(a);
      bytes += p.data.byteLength;
      return p;
    },
    async sample(field, t, point, level = 0) {
      const f = full(field, t, level);
      return f.data[point[0] + f.dims[0] * (point[1] + f.dims[1] * point[2])];
    },
    transferStats: () => ({ requests, bytes, cacheHits: 0 }),
    close() {},
  };
}
