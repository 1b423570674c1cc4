import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  FeatureIndexReader,
  type FeatureQuery,
  type WhereCondition,
} from "../../../src/index/feature-index-reader";
import type { IndexSpec } from "../../../src/index/feature-sections";
import type { FeatureInstance, PropValue } from "../../../src/index/feature-types";
import type { Op } from "../../../src/index/key-codec";
import type { Vec3 } from "../../../src/shared/types";
import { buildFile, rng } from "./helpers";

const OPS: Op[] = ["=", "!=", ">", "<", ">=", "<="];
const PREFIX = "vortex-core-region-"; // longer than the 8-byte string prefix below
const STRINGS = [
  "",
  "a",
  "ab",
  "ab\u0000",
  "abc",
  "b",
  "é",
  "😀",
  "\uffff",
  PREFIX,
  `${PREFIX}a`,
  `${PREFIX}ab`,
  `${PREFIX}b`,
  `${PREFIX}${PREFIX}`,
  "vortex",
  "vortex-c",
];
const F64 = [Number.NaN, -0, 0, -Infinity, Infinity, -1.5, -1e300, 1e-300, 2.5, 3, 1e308, -2.5];
const I64 = [-(2n ** 63n), 2n ** 63n - 1n, -1n, 0n, 1n, 2n ** 53n + 1n, -(2n ** 60n), 12345678901234567n];

const SPECS: IndexSpec[] = [
  { name: "id", type: "f64", bloom: true },
  { name: "type", type: "string", bloom: true },
  { name: "s", type: "string", bloom: true },
  { name: "f", type: "f64" },
  { name: "g", type: "f32" },
  { name: "u", type: "u32" },
  { name: "i", type: "i64" },
  { name: "d", type: "datetime" },
  { name: "timestep", type: "u32" },
];

function makeFeatures(n: number, seed: number): FeatureInstance[] {
  const r = rng(seed);
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
  const out: FeatureInstance[] = [];
  for (let k = 0; k < n; k++) {
    const min: Vec3 = [Math.floor(r() * 60), Math.floor(r() * 60), Math.floor(r() * 30)];
    const max: Vec3 = [
      min[0] + 1 + Math.floor(r() * 8),
      min[1] + 1 + Math.floor(r() * 8),
      min[2] + 1 + Math.floor(r() * 4),
    ];
    const ts = Math.floor(r() * 10);
    const t0 = ts * 0.5;
    const t1 = r() < 0.2 ? t0 + 0.5 * Math.floor(r() * 4) : t0;
    const props: Record<string, PropValue> = {
      s: r() < 0.1 ? null : pick(STRINGS),
      f: r() < 0.05 ? null : r() < 0.5 ? pick(F64) : Math.round((r() - 0.5) * 200) / 8,
      g: Math.fround(pick([-3.25, 0.1, 1e20, -0.5, 7, Number.NaN, Math.fround(1 / 3)])),
      u: pick([0, 1, 7, 7, 7, 42, 4294967295]),
      i: pick(I64),
      d: Date.UTC(2024, 0, 1) + Math.floor(r() * 5) * 3600_000,
    };
    if (Object.is(props.f, -0)) props.f = 0;
    out.push({
      id: k * 3,
      type: pick(["vortex", "sheet", "blob"]),
      box: { min, max },
      voxels: 1,
      peak: 1,
      mean: 1,
      centroid: [0, 0, 0],
      timestep: ts,
      time: [t0, t1],
      track: -1,
      properties: props,
    });
  }
  return out;
}

/** Independent brute-force semantics. */
function propOf(f: FeatureInstance, p: string): PropValue | undefined {
  if (p === "id") return f.id;
  if (p === "type") return f.type;
  if (p === "timestep") return f.timestep;
  return f.properties?.[p];
}
function cmp(a: PropValue, b: unknown): number | undefined {
  if (typeof a === "string" && typeof b === "string") return Buffer.compare(Buffer.from(a), Buffer.from(b));
  if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "number" && typeof b === "number") {
    if (Number.isNaN(a) || Number.isNaN(b)) return undefined;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  throw new Error("oracle: type mismatch");
}
function oracle(fs: FeatureInstance[], q: FeatureQuery): number[] {
  return fs
    .filter((f) => {
      if (q.box)
        for (let k = 0; k < 3; k++)
          if (!(f.box.min[k] < q.box.max[k] && q.box.min[k] < f.box.max[k])) return false;
      if (q.time && !(f.time![0] <= q.time[1] && q.time[0] <= f.time![1])) return false;
      for (const [p, op, v] of q.where ?? []) {
        const a = propOf(f, p);
        if (a === null || a === undefined) return false;
        const c = cmp(a, v);
        if (c === undefined) {
          if (op !== "!=") return false;
          continue;
        }
        const ok =
          op === "="
            ? c === 0
            : op === "!="
              ? c !== 0
              : op === ">"
                ? c > 0
                : op === "<"
                  ? c < 0
                  : op === ">="
                    ? c >= 0
                    : c <= 0;
        if (!ok) return false;
      }
      return true;
    })
    .map((f) => f.id)
    .sort((a, b) => a - b);
}

const features = makeFeatures(400, 7);
const built = buildFile(features, [], {
  indices: SPECS,
  btree: { nodeCapacity: 5, stringWidth: 8, headBudget: 600 },
  rtree: { nodeCapacity: 4, headBudget: 1024 },
});

const valueArb: Record<string, fc.Arbitrary<unknown>> = {
  id: fc.oneof(
    fc.constantFrom(...features.map((f) => f.id)),
    fc.integer({ min: -5, max: 1300 }),
    fc.double({ noNaN: false }),
  ),
  type: fc.constantFrom("vortex", "sheet", "blob", "", "vortexx", "a"),
  s: fc.oneof(
    fc.constantFrom(...STRINGS, `${PREFIX}aa`, `${PREFIX}`.slice(0, 8), "vortex-core-region", "zzz"),
    fc.string(),
  ),
  f: fc.oneof(
    fc.constantFrom(...F64),
    fc.double(),
    fc.integer({ min: -20, max: 20 }).map((x) => x / 8),
  ),
  g: fc.oneof(
    fc.constantFrom(
      -3.25,
      0.1,
      Math.fround(0.1),
      1e20,
      Math.fround(1e20),
      -0.5,
      7,
      Number.NaN,
      1 / 3,
      Math.fround(1 / 3),
      -0,
    ),
    fc.double(),
  ),
  u: fc.oneof(
    fc.constantFrom(0, 1, 7, 6.5, 7.5, 42, -1, 4294967295, 4294967296),
    fc.integer({ min: -10, max: 100 }),
  ),
  i: fc.oneof(fc.constantFrom(...I64), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
  d: fc.integer({ min: 0, max: 6 }).map((h) => Date.UTC(2024, 0, 1) + h * 3600_000 + (h === 6 ? 0.5 : 0)),
  timestep: fc.integer({ min: -1, max: 11 }),
};
const condArb: fc.Arbitrary<WhereCondition> = fc
  .constantFrom(...Object.keys(valueArb))
  .chain((p) => fc.tuple(fc.constant(p), fc.constantFrom(...OPS), valueArb[p]))
  .map(([p, op, v]) => [p, op, v] as WhereCondition);
const boxArb = fc
  .tuple(
    fc.integer({ min: -5, max: 70 }),
    fc.integer({ min: -5, max: 70 }),
    fc.integer({ min: -5, max: 35 }),
    fc.integer({ min: 0, max: 40 }),
    fc.integer({ min: 0, max: 40 }),
    fc.integer({ min: 0, max: 20 }),
  )
  .map(([x, y, z, w, h, d]) => ({ min: [x, y, z] as Vec3, max: [x + w, y + h, z + d] as Vec3 }));
const timeArb = fc
  .tuple(fc.integer({ min: -1, max: 12 }), fc.integer({ min: 0, max: 6 }))
  .map(([a, w]) => [a * 0.5, (a + w) * 0.5] as [number, number]);
const queryArb = fc.record({
  box: fc.option(boxArb, { nil: undefined }),
  time: fc.option(timeArb, { nil: undefined }),
  where: fc.array(condArb, { maxLength: 3 }),
  planner: fc.boolean(),
});

describe("FeatureIndexReader vs brute force", () => {
  it("matches a full scan on random queries (all operators, types, planner on/off)", async () => {
    const reader = await FeatureIndexReader.open(built.source, built.refs);
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(queryArb, async (q) => {
        const got = (await reader.query(q)).map((f) => f.id).sort((a, b) => a - b);
        const want = oracle(features, q);
        if (want.length) nonEmpty++;
        expect(got).toEqual(want);
      }),
      { seed: 42, numRuns: 400 },
    );
    expect(nonEmpty).toBeGreaterThan(50);
  });

  it("each single condition on each index agrees with the scan, including edge values", async () => {
    const reader = await FeatureIndexReader.open(built.source, built.refs);
    const edge: Record<string, unknown[]> = {
      s: [...STRINGS, `${PREFIX}aa`, "vortex-core-r"],
      f: [...F64, -0, 5e-324],
      g: [0.1, Math.fround(0.1), Number.NaN, 1e20, Math.fround(1e20), 1e39, -1e39],
      u: [0, 6.5, 7, 7.5, -1, 4294967295, 4294967296],
      i: [...I64, 2 ** 53, 2 ** 63, -(2 ** 64), 0.5, -0.5],
      id: [0, 3, 1197, 1198, 2.5],
    };
    for (const [p, values] of Object.entries(edge)) {
      for (const v of values) {
        for (const op of OPS) {
          const q: FeatureQuery = { where: [[p, op, v]] };
          const got = (await reader.query(q)).map((f) => f.id).sort((a, b) => a - b);
          const oracleValue = p === "i" && typeof v === "number" ? v : v;
          // The oracle compares bigint with bigint only; numbers against i64 are checked via exact BigInt where integral.
          if (p === "i" && typeof v === "number") {
            const want = features
              .filter((f) => {
                const a = f.properties?.i as bigint;
                const an = Number(a);
                const c = Number.isInteger(v)
                  ? a < BigInt(v)
                    ? -1
                    : a > BigInt(v)
                      ? 1
                      : 0
                  : an < v
                    ? -1
                    : an > v
                      ? 1
                      : 0;
                return op === "="
                  ? c === 0
                  : op === "!="
                    ? c !== 0
                    : op === ">"
                      ? c > 0
                      : op === "<"
                        ? c < 0
                        : op === ">="
                          ? c >= 0
                          : c <= 0;
              })
              .map((f) => f.id);
            expect(got, `${p} ${op} ${v}`).toEqual(want);
          } else expect(got, `${p} ${op} ${String(oracleValue)}`).toEqual(oracle(features, q));
        }
      }
    }
  });

  it("handles empty and all-match queries and limits", async () => {
    const reader = await FeatureIndexReader.open(built.source, built.refs);
    expect(await reader.query({ box: { min: [500, 500, 500], max: [600, 600, 600] } })).toEqual([]);
    expect(await reader.query({ where: [["u", ">", 4294967295]] })).toEqual([]);
    expect((await reader.query({})).length).toBe(features.length);
    expect(
      (await reader.query({ box: { min: [-1e9, -1e9, -1e9], max: [1e9, 1e9, 1e9] }, time: [-1e9, 1e9] }))
        .length,
    ).toBe(features.length);
    const lim = await reader.query({ where: [["u", "=", 7]], limit: 5 });
    expect(lim.length).toBe(5);
    expect(lim.every((f) => f.properties.u === 7)).toBe(true);
    await expect(reader.query({ where: [["u", "~" as Op, 1]] })).rejects.toMatchObject({ tag: "QueryError" });
    await expect(reader.query({ where: [["s", "=", 5]] })).rejects.toMatchObject({ tag: "QueryError" });
  });

  it("time intervals touching at the endpoints match", async () => {
    const reader = await FeatureIndexReader.open(built.source, built.refs);
    for (const t of [0, 0.5, 2, 4.5, 6]) {
      const got = (await reader.query({ time: [t, t] })).map((f) => f.id).sort((a, b) => a - b);
      const want = features.filter((f) => f.time![0] <= t && t <= f.time![1]).map((f) => f.id);
      expect(got).toEqual(want);
      expect(want.length).toBeGreaterThan(0);
    }
    const g = (await reader.query({ time: [-3, 0] })).map((f) => f.time[0]);
    expect(g.length).toBeGreaterThan(0);
    expect(g.every((t) => t === 0)).toBe(true);
  });

  it("bloom filters rule out absent keys without touching index pages", async () => {
    const reader = await FeatureIndexReader.open(built.source, built.refs);
    expect(await reader.mightContain("s", PREFIX)).toBe(true);
    expect(await reader.mightContain("id", 3)).toBe(true);
    let absent = 0;
    for (let k = 0; k < 200; k++) if ((await reader.mightContain("s", `missing-${k}`)) === false) absent++;
    expect(absent).toBeGreaterThan(180);
    expect(await reader.mightContain("f", 1)).toBeUndefined();
    const ex = await reader.explain({
      where: [
        ["s", "=", "missing-0"],
        ["u", ">", 1],
      ],
    });
    if (ex.steps.some((s) => s.method === "bloom" && s.candidates === 0)) {
      expect(ex.results).toBe(0);
      expect(ex.recordRequests).toBe(0);
    }
  });
});

describe("small random datasets", () => {
  it("agree with the scan across node sizes", async () => {
    for (const [seed, n, cap] of [
      [1, 0, 4],
      [2, 1, 2],
      [3, 17, 2],
      [4, 90, 3],
      [5, 260, 16],
    ]) {
      const fs = makeFeatures(n, seed);
      const b = buildFile(fs, [], {
        indices: SPECS,
        btree: { nodeCapacity: Math.max(2, cap), stringWidth: 4, headBudget: 0 },
        rtree: { nodeCapacity: Math.max(2, cap), headBudget: 0 },
      });
      const reader = await FeatureIndexReader.open(b.source, b.refs);
      await fc.assert(
        fc.asyncProperty(queryArb, async (q) => {
          const got = (await reader.query(q)).map((f) => f.id).sort((a, b) => a - b);
          expect(got).toEqual(oracle(fs, q));
        }),
        { seed: seed * 11, numRuns: 60 },
      );
    }
  });
});
