// The reader over real HTTP (flatvox serve's handler and nginx): opening costs
// one request, a region read costs no more requests than the coalesced runs of
// the bricks it needs, and the values equal those read from the local file.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPEN_BLOCK_SIZE } from "../../../src/format/constants";
import { createSource } from "../../../src/io/create-source";
import { DEFAULT_GAP, DEFAULT_MAX_REQUEST } from "../../../src/io/with-coalescing";
import { type Dataset, openDataset } from "../../../src/reader";
import type { Box3 } from "../../../src/shared/types";
import type { TestServer } from "../../helpers/servers";
import {
  expectedRuns,
  type Fixture,
  neededEntries,
  packFixture,
  requestsFor,
  SERVER_KINDS,
  sameValues,
  startServer,
} from "./fixture";

let scalar: Fixture;
let material: Fixture;
const local = new Map<Fixture, Dataset>();
beforeAll(async () => {
  scalar = await packFixture("scalar");
  material = await packFixture("material", scalar.dir);
  for (const f of [scalar, material]) local.set(f, await openDataset(f.path));
});
afterAll(() => {
  scalar?.remove();
});

const FULL: Box3 = { min: [0, 0, 0], max: [48, 48, 48] };
/** Unaligned: cuts through 3×3×2 bricks of 16³. */
const SUB: Box3 = { min: [5, 9, 20], max: [40, 37, 47] };
const TIGHT = { gap: 0, maxRequest: 16 * 1024 };

describe.each(SERVER_KINDS)("over %s", (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, scalar.dir);
  });
  afterAll(() => server?.stop());
  const url = (f: Fixture) => `${server.url}${f.name}`;

  it("opens with exactly one request, counted by the server and by the accounting", async () => {
    await server.clearLog();
    const src = createSource(url(scalar));
    const ds = await openDataset(src);
    expect(ds.info.dims).toEqual([48, 48, 48]);
    expect(ds.info.times).toHaveLength(3);
    const log = await requestsFor(server, scalar.name);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ method: "GET", range: `bytes=0-${OPEN_BLOCK_SIZE - 1}`, status: 206 });
    const s = src.stats();
    expect(s.requests).toBe(1);
    expect(s.bytes).toBe(OPEN_BLOCK_SIZE);
    expect(s.byPurpose.open).toMatchObject({ calls: 1, requests: 1 });
    expect(ds.info.size).toBe(scalar.bytes.length);
  });

  it("opens from a plain URL string with one request too", async () => {
    await server.clearLog();
    const ds = await openDataset(url(material));
    expect(ds.info.fields[0].kind).toBe("categorical");
    expect(await requestsFor(server, material.name)).toHaveLength(1);
  });

  const cases: { what: string; fixture: () => Fixture; t: number; level: number; box: Box3 }[] = [
    { what: "full level 0, t=0", fixture: () => scalar, t: 0, level: 0, box: FULL },
    { what: "unaligned box, t=2", fixture: () => scalar, t: 2, level: 0, box: SUB },
    {
      what: "level 1, t=1",
      fixture: () => scalar,
      t: 1,
      level: 1,
      box: { min: [0, 0, 0], max: [24, 24, 24] },
    },
    { what: "categorical, dedup across time, t=2", fixture: () => material, t: 2, level: 0, box: FULL },
  ];

  for (const c of cases) {
    for (const [label, coalesce] of [
      ["default coalescing", { gap: DEFAULT_GAP, maxRequest: DEFAULT_MAX_REQUEST }],
      ["tight coalescing", TIGHT],
    ] as const) {
      it(`region read (${c.what}, ${label}): requests ≤ coalesced runs, values identical`, async () => {
        const f = c.fixture();
        const src = createSource(url(f), { coalesce });
        const ds = await openDataset(src);
        const q = { field: 0, t: c.t, level: c.level, box: c.box };
        // Load the hierarchy pages first, so what follows counts brick reads only.
        const needed = await neededEntries(ds, q);
        const runs = expectedRuns(needed, coalesce.gap, coalesce.maxRequest);
        // With tight coalescing the bricks cannot all merge: the bound has teeth.
        if (coalesce === TIGHT) expect(runs).toBeGreaterThan(1);
        await server.clearLog();
        src.reset();

        const got = await ds.readRegion(q);

        const log = await requestsFor(server, f.name);
        const s = src.stats();
        expect(s.requests).toBe(log.length);
        // Runs that stay apart may share a multi-range request: each run is still asked for once.
        expect(log.every((r) => r.status === 206 && /^bytes=\d+-\d+(,\d+-\d+)*$/.test(r.range ?? ""))).toBe(
          true,
        );
        expect(log.length).toBeGreaterThanOrEqual(1);
        expect(log.length).toBeLessThanOrEqual(runs);
        expect(log.reduce((n, r) => n + (r.range ?? "").split(",").length, 0)).toBeLessThanOrEqual(runs);
        expect(s.byPurpose.hierarchy).toBeUndefined();
        expect(sameValues(got, await local.get(f)!.readRegion(q))).toBe(true);
      });
    }
  }

  it("cold region read: hierarchy pages plus brick runs, and no more", async () => {
    const src = createSource(url(scalar), { coalesce: TIGHT });
    const ds = await openDataset(src);
    src.reset();
    await server.clearLog();
    const q = { field: 0, t: 1, level: 0, box: SUB };
    const got = await ds.readRegion(q);
    const s = src.stats();
    const log = await requestsFor(server, scalar.name);
    expect(log.length).toBe(s.requests);
    // One root page covers all 3 levels of this grid; the writer puts small root
    // pages into the open block's spare room, so it may cost nothing at all.
    const pages = s.byPurpose.hierarchy?.requests ?? 0;
    expect(pages).toBeLessThanOrEqual(1);
    const runs = expectedRuns(await neededEntries(ds, q), TIGHT.gap, TIGHT.maxRequest);
    expect(runs).toBeGreaterThan(1);
    expect(s.byPurpose.brick?.requests ?? 0).toBeLessThanOrEqual(runs);
    expect(log.length).toBeLessThanOrEqual(pages + runs);
    expect(sameValues(got, await local.get(scalar)!.readRegion(q))).toBe(true);
  });

  it("reads single bricks and samples identical to the local file", async () => {
    const ds = await openDataset(url(material));
    const here = local.get(material)!;
    for (const brick of [
      [0, 0, 0],
      [2, 1, 2],
      [1, 2, 0],
    ] as const) {
      const a = await ds.readBrick({ field: 0, t: 1, level: 0, brick: [...brick] });
      const b = await here.readBrick({ field: 0, t: 1, level: 0, brick: [...brick] });
      expect(a.dims).toEqual(b.dims);
      expect(sameValues(a.data, b.data)).toBe(true);
    }
    for (const point of [
      [0, 0, 0],
      [47, 47, 47],
      [13, 30, 8],
    ] as const) {
      const p = { field: 0, t: 2, point: [...point] as [number, number, number] };
      expect(await ds.sample(p)).toBe(await here.sample(p));
    }
  });
});
