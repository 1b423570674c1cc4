// Feature queries on a packed demo, over real HTTP (flatvox serve and nginx):
// every query type agrees with a brute-force filter over features extracted
// independently from the simulation's own arrays; request accounting is
// counted server-side; `flatvox query` returns what ds.features returns.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDemo } from "../../../src/cli/demo";
import { buildQuery, formatResult, parseWhere, runQuery } from "../../../src/cli/query";
import { grayScottDemo } from "../../../src/demo/gray-scott";
import type { WhereCondition } from "../../../src/index/feature-index-reader";
import { toFeature } from "../../../src/index/feature-sections";
import { FeatureTracker } from "../../../src/index/feature-tracker";
import type { Feature, Track } from "../../../src/index/feature-types";
import { createSource } from "../../../src/io/create-source";
import { type Dataset, openDataset } from "../../../src/reader";
import { isFlatvoxError } from "../../../src/shared/errors";
import type { Vec3 } from "../../../src/shared/types";
import { makeTempDir, nginxBinary, type RequestRecord, type TestServer } from "../../helpers/servers";
import { startServer } from "../http/fixture";

const DEMO = { size: 40, steps: 6, substeps: 20, seed: 1 };
const THRESHOLD = 0.25;
const dir = makeTempDir("fvx-query-");
const NAME = "gs.fvx";
let truth: Feature[] = [];
let tracks: Track[] = [];
let times: number[] = [];

beforeAll(async () => {
  // Small nodes so the R-tree and B+trees have several levels even for a few dozen features.
  await runDemo(
    "scalar",
    {
      out: join(dir, NAME),
      size: String(DEMO.size),
      steps: String(DEMO.steps),
      substeps: String(DEMO.substeps),
      seed: String(DEMO.seed),
      brick: "16",
      workers: "0",
      quiet: true,
    },
    {
      features: {
        field: "v",
        threshold: THRESHOLD,
        type: "spot",
        layout: {
          rtree: { nodeCapacity: 4, headBudget: 1024 },
          btree: { nodeCapacity: 4, headBudget: 1024 },
        },
      },
    },
  );
  await runDemo("scalar", {
    out: join(dir, "plain.fvx"),
    size: "16",
    steps: "2",
    substeps: "2",
    workers: "0",
    quiet: true,
    features: false,
  });
  // Brute force: extract and track again from the simulation's arrays.
  const demo = grayScottDemo({ ...DEMO, fields: ["v"] });
  times = demo.spec.times;
  const tracker = new FeatureTracker();
  for (const step of demo.steps) {
    tracker.push(step.index, times[step.index], step.fields.v, demo.spec.dims as Vec3, {
      threshold: THRESHOLD,
      minVoxels: 8,
      type: "spot",
    });
  }
  const r = tracker.finish();
  truth = r.instances.map(toFeature);
  tracks = r.tracks;
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The documented semantics: half-open box overlap, closed time overlap, every condition. */
function oracle(q: {
  box?: { min: number[]; max: number[] };
  time?: [number, number];
  where?: WhereCondition[];
}) {
  return truth
    .filter((f) => {
      if (q.box && !f.box.min.every((v, k) => v < q.box!.max[k] && q.box!.min[k] < f.box.max[k]))
        return false;
      if (q.time && !(f.time[0] <= q.time[1] && q.time[0] <= f.time[1])) return false;
      for (const [p, op, value] of q.where ?? []) {
        const v =
          p === "id"
            ? f.id
            : p === "type"
              ? f.type
              : p === "track"
                ? f.track
                : p === "timestep"
                  ? f.timestep
                  : f.properties[p];
        const a = v as number | string;
        const b = value as number | string;
        const ok =
          op === "="
            ? a === b
            : op === "!="
              ? a !== b
              : op === ">"
                ? a > b
                : op === "<"
                  ? a < b
                  : op === ">="
                    ? a >= b
                    : a <= b;
        if (!ok) return false;
      }
      return true;
    })
    .map((f) => f.id)
    .sort((a, b) => a - b);
}

const ids = (fs: Feature[]) => fs.map((f) => f.id).sort((a, b) => a - b);

const bytesOf = (log: RequestRecord[]) =>
  log.reduce((s, r) => {
    const m = /bytes=(\d+)-(\d+)/.exec(r.range ?? "");
    return s + (m ? Number(m[2]) - Number(m[1]) + 1 : 0);
  }, 0);

describe.each(["flatvox", "nginx"] as const)("features over HTTP (%s)", (kind) => {
  const skip = kind === "nginx" && !nginxBinary();
  let server: TestServer;
  let ds: Dataset;
  const log = async () => (await server.log()).filter((r) => r.url.endsWith(NAME));

  beforeAll(async () => {
    if (skip) return;
    server = await startServer(kind, dir);
    ds = await openDataset(createSource(`${server.url}${NAME}`));
  });
  afterAll(async () => {
    await ds?.source.close?.();
    await server?.stop();
  });

  it.skipIf(skip)(
    "packs features extracted while streaming: same instances as a separate extraction",
    async () => {
      expect(truth.length).toBeGreaterThan(20);
      const all = await ds.features();
      expect(ids(all)).toEqual(truth.map((f) => f.id));
      const byId = new Map(all.map((f) => [f.id, f]));
      for (const t of truth) {
        const f = byId.get(t.id)!;
        expect(f.box).toEqual(t.box);
        expect(f.time).toEqual(t.time); // time values, not timestep indices
        expect(f.timestep).toBe(t.timestep);
        expect(f.track).toBe(t.track);
        expect(f.properties.voxels).toBe(t.properties.voxels);
        expect(f.properties.peak).toBe(t.properties.peak);
      }
    },
  );

  it.skipIf(skip)(
    "box, time, where (all six operators), combinations and limit agree with brute force",
    async () => {
      const e = truth[Math.floor(truth.length / 2)];
      const medianVoxels = [...truth.map((f) => f.properties.voxels as number)].sort((a, b) => a - b)[
        truth.length >> 1
      ];
      const queries: Parameters<typeof oracle>[0][] = [
        { box: { min: [0, 0, 0], max: [20, 20, 40] } },
        { box: { min: [10, 5, 12], max: [11, 6, 13] } },
        { box: { min: [e.box.max[0], 0, 0], max: [40, 40, 40] } }, // touching a max edge does not overlap
        { time: [times[2], times[2]] },
        { time: [times[1] + 1, times[3]] },
        { time: [times[5] + 1, times[5] + 100] },
        { box: { min: [0, 0, 0], max: [25, 40, 40] }, time: [times[0], times[2]] },
        ...(["=", "!=", ">", "<", ">=", "<="] as const).flatMap((op) => [
          { where: [["voxels", op, medianVoxels]] as WhereCondition[] },
          { where: [["id", op, e.id]] as WhereCondition[] },
          { where: [["track", op, e.track]] as WhereCondition[] },
          { where: [["timestep", op, 3]] as WhereCondition[] },
          { where: [["peak", op, e.properties.peak]] as WhereCondition[] },
        ]),
        { where: [["type", "=", "spot"]] },
        { where: [["type", "=", "nothing"]] },
        { where: [["mean", ">", 0.3]] }, // not indexed: post-filter over a scan
        {
          where: [
            ["type", "=", "spot"],
            ["voxels", ">=", medianVoxels],
            ["timestep", "<", 4],
          ],
        },
        {
          box: { min: [0, 0, 0], max: [40, 20, 40] },
          time: [times[1], times[4]],
          where: [["peak", ">", 0.3]],
        },
      ];
      const sizes: number[] = [];
      for (const q of queries) {
        const got = await ds.features(q as never);
        expect(ids(got), JSON.stringify(q)).toEqual(oracle(q));
        sizes.push(got.length);
      }
      // The set exercises empty, partial and full answers.
      expect(sizes.filter((n) => n === 0).length).toBeGreaterThan(2);
      expect(sizes.filter((n) => n > 0 && n < truth.length).length).toBeGreaterThan(15);
      const limited = await ds.features({ where: [["type", "=", "spot"]], limit: 5 });
      expect(limited.length).toBe(5);
      for (const f of limited) expect(oracle({ where: [["type", "=", "spot"]] })).toContain(f.id);
    },
  );

  it.skipIf(skip)("tracks agree with the tracker's table and carry their features", async () => {
    for (const t of tracks) {
      const got = await ds.track(t.id);
      expect(got).toBeDefined();
      expect(got!.trajectory.map((p) => p.feature)).toEqual(t.trajectory.map((p) => p.feature));
      expect(got!.fate).toBe(t.fate);
      expect(got!.parents).toEqual(t.parents);
      expect(got!.children).toEqual(t.children);
      expect(ids(got!.features)).toEqual(t.trajectory.map((p) => p.feature).sort((a, b) => a - b));
    }
    expect(await ds.track(tracks.length)).toBeUndefined();
  });

  it.skipIf(skip)(
    "cold attribute point query: ≤ 3 requests and ≤ 64 KiB after opening; open is 1 request",
    async () => {
      for (const target of [truth[0], truth[truth.length - 1], truth[17]]) {
        await server.clearLog();
        const fresh = await openDataset(createSource(`${server.url}${NAME}`));
        expect((await log()).length).toBe(1); // the feature directory came with the open block
        await server.clearLog();
        const got = await fresh.features({ where: [["id", "=", target.id]] });
        expect(got.map((f) => f.id)).toEqual([target.id]);
        const reqs = await log();
        expect(reqs.length).toBeLessThanOrEqual(3);
        expect(bytesOf(reqs)).toBeLessThanOrEqual(64 * 1024);
        await fresh.source.close?.();
      }
    },
  );

  it.skipIf(skip)("bbox + time query: ≤ tree levels + coalesced record batches", async () => {
    await server.clearLog();
    const fresh = await openDataset(createSource(`${server.url}${NAME}`));
    const reader = await fresh.featureIndex.open();
    await server.clearLog();
    const q = {
      box: { min: [0, 0, 0] as Vec3, max: [30, 30, 40] as Vec3 },
      time: [times[1], times[4]] as [number, number],
    };
    const ex = await fresh.explainFeatures(q);
    expect(ex.results).toBe(oracle(q).length);
    expect(ex.results).toBeGreaterThan(3);
    const reqs = await log();
    // Levels: the head read plus one batch per level below it. The bottom level indexes
    // groups of 4 records (there is no per-record level), so a few dozen features give 2.
    const rtree = (reader as unknown as { rtree: Promise<{ levelCount: number }> }).rtree;
    const levels = (await rtree).levelCount;
    expect(levels).toBeGreaterThanOrEqual(2);
    expect(reqs.length).toBeLessThanOrEqual(levels + ex.recordRequests);
    expect(ex.recordRequests).toBeLessThan(ex.results);
    await fresh.source.close?.();
  });

  it.skipIf(skip)("flatvox query prints the same features as ds.features", async () => {
    const url = `${server.url}${NAME}`;
    const cli = {
      box: "0,0,0,30,40,40",
      time: `${times[1]},${times[4]}`,
      where: ["voxels >= 20", "type = spot"],
    };
    const q = buildQuery(cli);
    expect(q).toEqual({
      box: { min: [0, 0, 0], max: [30, 40, 40] },
      time: [times[1], times[4]],
      where: [
        ["voxels", ">=", 20],
        ["type", "=", "spot"],
      ],
    });
    const want = await ds.features(q);
    expect(want.length).toBeGreaterThan(0);
    const r = await runQuery(url, cli);
    expect(r.features).toEqual(want);
    expect(JSON.parse(formatResult(r, true))).toEqual(JSON.parse(JSON.stringify(want)));
    const table = formatResult(r).split("\n");
    expect(table.length).toBe(want.length + 2);
    expect(table.at(-1)).toBe(`${want.length} features`);
    const t = await runQuery(url, { track: String(tracks[0].id) });
    expect(t.track?.id).toBe(tracks[0].id);
    const ex = await runQuery(url, { ...cli, explain: true });
    expect(ex.explain?.results).toBe(want.length);
  });
});

describe("query parsing and datasets without features", () => {
  it("parses conditions with the longest operator, numbers and quoted strings", () => {
    expect(parseWhere("peak >= 0.4")).toEqual(["peak", ">=", 0.4]);
    expect(parseWhere("type != ring")).toEqual(["type", "!=", "ring"]);
    expect(parseWhere("name = '42'")).toEqual(["name", "=", "42"]);
    expect(parseWhere("kind=gold ore")).toEqual(["kind", "=", "gold ore"]);
    expect(() => parseWhere("peak ~ 3")).toThrow(/property op value/);
    expect(() => buildQuery({ box: "1,2,3" })).toThrow(/--box/);
  });

  it("a dataset without features reports it clearly", async () => {
    const ds = await openDataset(join(dir, "plain.fvx"));
    expect(ds.featureIndex.available).toBe(false);
    const e = await ds.features({}).catch((x) => x);
    expect(isFlatvoxError(e, "QueryError")).toBe(true);
    expect(e.message).toMatch(/no features/);
    await ds.source.close?.();
  });
});
