/**
 * Feature R-tree bench over HTTP, 1M synthetic feature boxes. Both files are
 * served by `flatvox serve`'s range handler on loopback from one directory;
 * requests are counted server-side.
 * 1. 2D bbox (z unbounded) through our packed R-tree (3D + time, over the
 *    library's HTTP source) vs the flatgeobuf package's HttpReader over an
 *    .fgb holding the same boxes (2D), with its own packed R-tree. Goal: at
 *    most half its requests. Each side opens cold per query (our directory
 *    rides in the file's opening read and is not counted; FlatGeobuf's
 *    header read is).
 * 2. A 3D box + time query (ours only: FlatGeobuf has no z or time).
 * 3. Planner on vs off for a two-condition query, one very selective.
 * 4. Cold attribute point query.
 * Prints JSON. Run: npx tsx bench/features-rtree.ts
 */
import { existsSync, linkSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as flatbuffers from "flatbuffers";
import { Column } from "flatgeobuf/lib/mjs/flat-geobuf/column.js";
import { Header } from "flatgeobuf/lib/mjs/flat-geobuf/header.js";
import { serialize } from "flatgeobuf/lib/mjs/geojson.js";
import { fromByteBuffer } from "flatgeobuf/lib/mjs/header-meta.js";
import { HttpReader } from "flatgeobuf/lib/mjs/http-reader.js";
import { generateLevelBounds } from "flatgeobuf/lib/mjs/packedrtree.js";
import { FeatureIndexReader } from "../src/index/feature-index-reader";
import { createSource } from "../src/io/create-source";
import { makeTempDir, startFlatvox } from "../test/helpers/servers";
import { load1M, N, SEED, synthFeatures } from "../test/unit/index/fixture-1m";

console.debug = () => {};

const { refs, path } = load1M();
const fgbPath = join(dirname(path), `boxes-1m-${SEED}.fgb`);
if (!existsSync(fgbPath)) {
  const fs = synthFeatures(N, SEED);
  // FlatGeobuf's own order: 2D Hilbert of the box centre over the extent (16 bits per axis).
  const code = fs.map((f) =>
    hilbert2((f.box.min[0] + f.box.max[0]) / 2 / 1010, (f.box.min[1] + f.box.max[1]) / 2 / 1010),
  );
  const order = fs.map((_, i) => i).sort((a, b) => code[a] - code[b]);
  const sorted = order.map((i) => fs[i]);
  const geojson = {
    type: "FeatureCollection",
    features: sorted.map((f) => {
      const [x0, y0] = f.box.min;
      const [x1, y1] = f.box.max;
      return {
        type: "Feature",
        properties: { id: f.id },
        geometry: {
          type: "Polygon",
          coordinates: [
            [
              [x0, y0],
              [x1, y0],
              [x1, y1],
              [x0, y1],
              [x0, y0],
            ],
          ],
        },
      };
    }),
  };
  // biome-ignore lint/suspicious/noExplicitAny: flatgeobuf's GeoJSON typings are loose
  writeFileSync(fgbPath, withIndex(serialize(geojson as any), sorted));
}

/** FlatGeobuf header with the index node size and envelope set (the package's builder always writes 0). */
// biome-ignore lint/suspicious/noExplicitAny: header meta from the package
function indexedHeader(meta: any, n: number, envelope: number[]): Uint8Array {
  const b = new flatbuffers.Builder();
  const cols = (meta.columns ?? []).map((c: { name: string; type: number }) => {
    const name = b.createString(c.name);
    Column.startColumn(b);
    Column.addName(b, name);
    Column.addType(b, c.type);
    return Column.endColumn(b);
  });
  const colVec = Header.createColumnsVector(b, cols);
  const env = Header.createEnvelopeVector(b, envelope);
  const name = b.createString("boxes");
  Header.startHeader(b);
  Header.addFeaturesCount(b, BigInt(n));
  Header.addGeometryType(b, meta.geometryType);
  Header.addIndexNodeSize(b, 16);
  Header.addEnvelope(b, env);
  Header.addColumns(b, colVec);
  Header.addName(b, name);
  b.finishSizePrefixed(Header.endHeader(b));
  return b.asUint8Array();
}

/** Classic 2D Hilbert index (16 bits per axis) of a point in [0, 1)². */
function hilbert2(fx: number, fy: number): number {
  const n = 1 << 16;
  let x = Math.min(n - 1, Math.floor(fx * n));
  let y = Math.min(n - 1, Math.floor(fy * n));
  let d = 0;
  for (let s = n >>> 1; s > 0; s >>>= 1) {
    const rx = (x & s) > 0 ? 1 : 0;
    const ry = (y & s) > 0 ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    if (ry === 0) {
      if (rx === 1) {
        x = s - 1 - x;
        y = s - 1 - y;
      }
      [x, y] = [y, x];
    }
  }
  return d;
}

/**
 * The package's JS writer emits no spatial index; add FlatGeobuf's packed
 * R-tree (node size 16, 40-byte items, root first) to its output so the
 * reader can do its bbox search by range requests.
 */
function withIndex(noIndex: Uint8Array, fs: { box: { min: number[]; max: number[] } }[]): Uint8Array {
  const dv = new DataView(noIndex.buffer, noIndex.byteOffset, noIndex.byteLength);
  const headerLen = dv.getUint32(8, true);
  const bb = new flatbuffers.ByteBuffer(noIndex.subarray(8));
  bb.setPosition(0);
  const meta = fromByteBuffer(bb);
  const features = noIndex.subarray(12 + headerLen);
  const n = fs.length;
  const offsets: number[] = [];
  for (let p = 0; p < features.length; ) {
    offsets.push(p);
    p += 4 + new DataView(features.buffer, features.byteOffset + p, 4).getUint32(0, true);
  }
  if (offsets.length !== n) throw new Error("feature count mismatch");
  const bounds = generateLevelBounds(n, 16);
  const numNodes = bounds[0][1];
  const tree = new Uint8Array(numNodes * 40);
  const tv = new DataView(tree.buffer);
  const box = new Float64Array(numNodes * 4);
  const set = (i: number, b: number[], off: number) => {
    box.set(b, i * 4);
    for (let k = 0; k < 4; k++) tv.setFloat64(i * 40 + 8 * k, b[k], true);
    tv.setBigUint64(i * 40 + 32, BigInt(off), true);
  };
  fs.forEach((f, k) => {
    set(bounds[0][0] + k, [f.box.min[0], f.box.min[1], f.box.max[0], f.box.max[1]], offsets[k]);
  });
  for (let l = 1; l < bounds.length; l++) {
    const [s0, e0] = bounds[l];
    const [cs, ce] = bounds[l - 1];
    for (let p = s0; p < e0; p++) {
      const first = cs + (p - s0) * 16;
      const u = [Infinity, Infinity, -Infinity, -Infinity];
      for (let c = first; c < Math.min(first + 16, ce); c++) {
        u[0] = Math.min(u[0], box[c * 4]);
        u[1] = Math.min(u[1], box[c * 4 + 1]);
        u[2] = Math.max(u[2], box[c * 4 + 2]);
        u[3] = Math.max(u[3], box[c * 4 + 3]);
      }
      set(p, u, first);
    }
  }
  const header = indexedHeader(meta, n, [...box.slice(0, 4)]);
  const out = new Uint8Array(8 + header.length + tree.length + features.length);
  out.set(noIndex.subarray(0, 8), 0);
  out.set(header, 8);
  out.set(tree, 8 + header.length);
  out.set(features, 8 + header.length + tree.length);
  return out;
}
// One directory, one server: hard links (the server does not follow symlinks).
const dir = makeTempDir("fvx-bench-rtree-");
linkSync(`${path}.bin`, join(dir, "features.bin"));
linkSync(fgbPath, join(dir, "boxes.fgb"));
const server = await startFlatvox(dir);
const served = async (name: string) => {
  const log = (await server.log()).filter((r) => r.url.endsWith(name));
  const bytes = log.reduce((s, r) => {
    const m = /bytes=(\d+)-(\d+)/.exec(r.range ?? "");
    return s + (m ? Number(m[2]) - Number(m[1]) + 1 : 0);
  }, 0);
  return { requests: log.length, bytes };
};
const ourUrl = `${server.url}features.bin`;

const boxes = [
  { min: [100, 100], max: [130, 130] },
  { min: [500, 200], max: [560, 260] },
  { min: [0, 0], max: [200, 200] },
];

const results: Record<string, unknown>[] = [];
for (const b of boxes) {
  // Opening (the directory) is not counted: a .fvx brings it with the file's opening read.
  const reader = await FeatureIndexReader.open(createSource(ourUrl), refs);
  await server.clearLog();
  let t = performance.now();
  const ex = await reader.explain({
    box: { min: [b.min[0], b.min[1], -1e9], max: [b.max[0], b.max[1], 1e9] },
  });
  const oursMs = performance.now() - t;
  const ours = await served("features.bin");

  await server.clearLog();
  t = performance.now();
  const hr = await HttpReader.open(`${server.url}boxes.fgb`, false);
  let theirs = 0;
  for await (const _f of hr.selectBbox({ minX: b.min[0], minY: b.min[1], maxX: b.max[0], maxY: b.max[1] }))
    theirs++;
  const theirMs = performance.now() - t;
  const fgb = await served("boxes.fgb");
  results.push({
    box2d: b,
    ours: { results: ex.results, ...ours, ms: +oursMs.toFixed(1), recordRequests: ex.recordRequests },
    flatgeobuf: { results: theirs, ...fgb, ms: +theirMs.toFixed(1) },
    ratio: {
      requests: +(ours.requests / fgb.requests).toFixed(3),
      bytes: +(ours.bytes / fgb.bytes).toFixed(3),
    },
    // Goal: at most half FlatGeobuf's requests.
    goalMet: ours.requests <= 0.5 * fgb.requests,
  });
}

// 3D box + time.
const cubes: Record<string, unknown>[] = [];
for (const q of [
  { box: { min: [100, 100, 100], max: [160, 160, 160] }, time: [10, 20] },
  { box: { min: [400, 400, 400], max: [430, 430, 430] } },
] as { box: { min: [number, number, number]; max: [number, number, number] }; time?: [number, number] }[]) {
  const reader = await FeatureIndexReader.open(createSource(ourUrl), refs);
  await server.clearLog();
  const t = performance.now();
  const ex = await reader.explain(q);
  cubes.push({
    query: q,
    results: ex.results,
    ...(await served("features.bin")),
    ms: +(performance.now() - t).toFixed(1),
    recordRequests: ex.recordRequests,
  });
}

// Planner on vs off.
const where: [string, ">" | "=", number][] = [
  ["peak", ">", 1],
  ["id", "=", 4242],
];
const planner: Record<string, unknown> = {};
for (const on of [true, false]) {
  const r = await FeatureIndexReader.open(createSource(ourUrl), refs);
  await server.clearLog();
  const t = performance.now();
  const ex = await r.explain({ where, planner: on });
  planner[on ? "on" : "off"] = {
    results: ex.results,
    ...(await served("features.bin")),
    ms: +(performance.now() - t).toFixed(1),
    steps: ex.steps.map((s) => ({
      condition: s.condition,
      method: s.method,
      estimate: Math.round(s.estimate),
      requests: s.requests,
      bytes: s.bytes,
    })),
  };
}

// Cold attribute point query (directory read counted separately).
await server.clearLog();
const pr = await FeatureIndexReader.open(createSource(ourUrl), refs);
const dirReq = await served("features.bin");
await server.clearLog();
const t0 = performance.now();
const hit = await pr.query({ where: [["id", "=", 777_777]] });
const point = {
  results: hit.length,
  ...(await served("features.bin")),
  ms: +(performance.now() - t0).toFixed(1),
  directory: dirReq,
};
await server.stop();
rmSync(dir, { recursive: true, force: true });

console.log(
  JSON.stringify({ features: N, bbox: results, box3d: cubes, planner, pointQuery: point }, null, 2),
);
