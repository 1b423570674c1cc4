/**
 * Feature R-tree bench, 1M synthetic feature boxes:
 * 1. bbox query through our packed Hilbert R-tree (3D + time) over an
 *    in-process counting source vs the flatgeobuf package reading the same
 *    boxes (2D projection) from an .fgb through an in-process counting range
 *    client (its HttpReader with a custom source: same request accounting).
 * 2. planner on vs off for a two-condition query where one condition is very selective.
 * Prints JSON. Run: npx tsx bench/features-rtree.ts
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as flatbuffers from "flatbuffers";
import { Column } from "flatgeobuf/lib/mjs/flat-geobuf/column.js";
import { Header } from "flatgeobuf/lib/mjs/flat-geobuf/header.js";
import { serialize } from "flatgeobuf/lib/mjs/geojson.js";
import { fromByteBuffer } from "flatgeobuf/lib/mjs/header-meta.js";
import { HttpReader } from "flatgeobuf/lib/mjs/http-reader.js";
import { generateLevelBounds } from "flatgeobuf/lib/mjs/packedrtree.js";
import { FeatureIndexReader } from "../src/index/feature-index-reader";
import { MemorySource } from "../src/io/memory-source";
import { load1M, N, SEED, synthFeatures } from "../test/unit/index/fixture-1m";
import { CountingSource } from "../test/unit/index/helpers";

console.debug = () => {};

const { file, refs, path } = load1M();
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
const fgb = new Uint8Array(readFileSync(fgbPath));

class CountingRangeClient {
  requests = 0;
  bytes = 0;
  constructor(private readonly data: Uint8Array) {}
  async getRange(begin: number, length: number): Promise<ArrayBuffer> {
    this.requests++;
    const end = Math.min(this.data.length, begin + length);
    this.bytes += end - begin;
    return this.data.slice(begin, end).buffer;
  }
}

const boxes = [
  { min: [100, 100], max: [130, 130] },
  { min: [500, 200], max: [560, 260] },
  { min: [0, 0], max: [200, 200] },
];

const results: Record<string, unknown>[] = [];
for (const b of boxes) {
  const ours = new CountingSource(new MemorySource(file));
  let t = performance.now();
  const reader = await FeatureIndexReader.open(ours, refs);
  const ex = await reader.explain({
    box: { min: [b.min[0], b.min[1], -1e9], max: [b.max[0], b.max[1], 1e9] },
  });
  const oursMs = performance.now() - t;

  const client = new CountingRangeClient(fgb);
  t = performance.now();
  // biome-ignore lint/suspicious/noExplicitAny: custom range source accepted by flatgeobuf
  const hr = await HttpReader.openSource(client as any);
  let theirs = 0;
  for await (const _f of hr.selectBbox({ minX: b.min[0], minY: b.min[1], maxX: b.max[0], maxY: b.max[1] }))
    theirs++;
  const theirMs = performance.now() - t;
  results.push({
    box2d: b,
    ours: {
      results: ex.results,
      requests: ours.calls,
      bytes: ours.bytes,
      ms: +oursMs.toFixed(1),
      recordRequests: ex.recordRequests,
    },
    flatgeobuf: { results: theirs, requests: client.requests, bytes: client.bytes, ms: +theirMs.toFixed(1) },
    ratio: {
      requests: +(ours.calls / client.requests).toFixed(3),
      bytes: +(ours.bytes / client.bytes).toFixed(3),
    },
  });
}

// Planner on vs off.
const where: [string, ">" | "=", number][] = [
  ["peak", ">", 1],
  ["id", "=", 4242],
];
const planner: Record<string, unknown> = {};
for (const on of [true, false]) {
  const src = new CountingSource(new MemorySource(file));
  const t = performance.now();
  const r = await FeatureIndexReader.open(src, refs);
  const ex = await r.explain({ where, planner: on });
  planner[on ? "on" : "off"] = {
    results: ex.results,
    requests: src.calls,
    bytes: src.bytes,
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
const pt = new CountingSource(new MemorySource(file));
const pr = await FeatureIndexReader.open(pt, refs);
const dirReq = { requests: pt.calls, bytes: pt.bytes };
pt.reset();
const t0 = performance.now();
const hit = await pr.query({ where: [["id", "=", 777_777]] });
const point = {
  results: hit.length,
  requests: pt.calls,
  bytes: pt.bytes,
  ms: +(performance.now() - t0).toFixed(1),
  directory: dirReq,
};

console.log(JSON.stringify({ features: N, bbox: results, planner, pointQuery: point }, null, 2));
