/**
 * `buildCatalog` / `flatvox catalog build` against brute force over the
 * packer's own input: per-timestep scalar statistics and material shares,
 * failures listed (not thrown), URLs relative to the catalog, and the
 * request cost over HTTP.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCatalog } from "../../../src/catalog/build";
import { catalogJson, parseCatalog } from "../../../src/catalog/search";
import type { Catalog, CatalogEntry } from "../../../src/catalog/types";
import { resolveInputs } from "../../../src/cli/catalog";
import type { TypedArray } from "../../../src/shared/types";
import { startFlatvox, type TestServer } from "../../helpers/servers";
import { requestsFor } from "../http/fixture";
import { cleanupTemp, type Packed, packSmall, tempDir } from "../reader/fixtures";

const DIMS: [number, number, number] = [37, 20, 9];
let dir = "";
let scalar: Packed;
let material: Packed;

beforeAll(async () => {
  scalar = await packSmall([{ name: "rho", dtype: "f32", kind: "scalar" }], DIMS, {}, 3);
  material = await packSmall([{ name: "rock", dtype: "u16", kind: "categorical" }], DIMS, {}, 4);
  dir = tempDir();
  mkdirSync(join(dir, "runs", "a"), { recursive: true });
  copyFileSync(scalar.path, join(dir, "runs", "a", "scalar.fvx"));
  copyFileSync(material.path, join(dir, "runs", "material.fvx"));
  // Cut in the middle of the file, and not a dataset at all.
  writeFileSync(join(dir, "runs", "cut.fvx"), scalar.bytes.subarray(0, Math.floor(scalar.bytes.length / 2)));
  writeFileSync(join(dir, "runs", "junk.fvx"), new Uint8Array(4096).fill(7));
  writeFileSync(join(dir, "runs", "notes.txt"), "not a dataset");
});
afterAll(cleanupTemp);

/** Brute-force min, max, mean and non-NaN count of one array. */
function reduce(a: TypedArray) {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let count = 0;
  for (const v of a) {
    if (Number.isNaN(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    count++;
  }
  return { min, max, mean: sum / count, count };
}

const byUrl = (c: Catalog, suffix: string): CatalogEntry => {
  const e = c.datasets.find((d) => d.url.endsWith(suffix));
  expect(e, `entry ${suffix}`).toBeDefined();
  return e!;
};

describe("catalog build (files)", () => {
  let cat: Catalog;
  beforeAll(async () => {
    const inputs = await resolveInputs([join(dir, "runs")], dir);
    cat = await buildCatalog(inputs, { open: undefined });
  });

  it("finds every .fvx below a directory, records URLs relative to the catalog", () => {
    expect(cat.datasets.map((d) => d.url).sort()).toEqual(["runs/a/scalar.fvx", "runs/material.fvx"]);
  });

  it("lists files that are not datasets under failed, with their typed errors, instead of stopping", () => {
    const failed = Object.fromEntries(cat.failed.map((f) => [f.source.split("/").pop(), f]));
    expect(Object.keys(failed).sort()).toEqual(["cut.fvx", "junk.fvx"]);
    expect(failed["junk.fvx"].error).toBe("FormatError");
    expect(failed["junk.fvx"].message).toMatch(/magic/i);
    expect(failed["cut.fvx"].error).toBe("TruncatedError");
    expect(failed["cut.fvx"].message).toMatch(/body section ends at \d+, the file is \d+ bytes/);
  });

  it("scalar statistics per timestep equal brute force over the input (every voxel)", () => {
    const e = byUrl(cat, "scalar.fvx");
    expect(e.kind).toBe("scalar");
    expect(e.dims).toEqual(DIMS);
    expect(e.times).toEqual({ count: 3, first: 0.5, last: 4, units: "s" });
    const s = e.fields[0].stats!;
    expect(s).toMatchObject({ level: 0, exact: true });
    scalar.steps.forEach((step, t) => {
      const r = reduce(step.fields.rho);
      expect(s.series!.min[t]).toBe(r.min);
      expect(s.series!.max[t]).toBe(r.max);
      expect(s.series!.count[t]).toBe(r.count);
      expect(s.series!.mean[t]).toBeCloseTo(r.mean, 6);
    });
    const all = scalar.steps.map((st) => reduce(st.fields.rho));
    expect(e.fields[0].range).toEqual([
      Math.min(...all.map((r) => r.min)),
      Math.max(...all.map((r) => r.max)),
    ]);
  });

  it("material shares per timestep equal brute-force counts", () => {
    const e = byUrl(cat, "material.fvx");
    expect(e.kind).toBe("categorical");
    const mats = e.fields[0].stats!.materials!;
    const voxels = DIMS[0] * DIMS[1] * DIMS[2];
    const values = new Set<number>();
    for (const st of material.steps) for (const v of st.fields.rock) values.add(v);
    expect(mats.map((m) => m.value).sort((a, b) => a - b)).toEqual([...values].sort((a, b) => a - b));
    for (const m of mats) {
      expect(m.name).toBe(`material ${m.value}`);
      material.steps.forEach((st, t) => {
        let n = 0;
        for (const v of st.fields.rock) if (v === m.value) n++;
        expect(m.fraction[t]).toBeCloseTo(n / voxels, 12);
      });
    }
    for (let t = 0; t < 3; t++) expect(mats.reduce((s, m) => s + m.fraction[t], 0)).toBeCloseTo(1, 12);
  });

  it("coarse statistics come from the coarsest level and say so", async () => {
    const [input] = await resolveInputs([join(dir, "runs", "a", "scalar.fvx")], dir);
    const c = await buildCatalog([input], { stats: "coarse" });
    const s = c.datasets[0].fields[0].stats!;
    expect(s.exact).toBe(false);
    expect(s.level).toBe(c.datasets[0].levels! - 1);
    // A coarser level's mean values lie within the exact range.
    const exact = byUrl(cat, "scalar.fvx").fields[0].stats!.series!;
    for (let t = 0; t < 3; t++) {
      expect(s.series!.max[t]).toBeLessThanOrEqual(exact.max[t]);
      expect(s.series!.min[t]).toBeGreaterThanOrEqual(exact.min[t]);
    }
  });

  it("survives its own JSON: written, read back, the same entries (NaN kept)", () => {
    const withNaN = structuredClone(cat);
    withNaN.datasets[0].fields[0].stats!.series?.min.splice(0, 1, Number.NaN);
    const back = parseCatalog(catalogJson(withNaN)).catalog;
    expect(back.datasets.map((d) => d.url)).toEqual(withNaN.datasets.map((d) => d.url));
    const series = back.datasets[0].fields[0].stats?.series;
    if (series) expect(series.min[0]).toBeNaN();
    expect(back.datasets[1].fields[0]).toEqual(withNaN.datasets[1].fields[0]);
  });
});

describe("catalog build with a previous catalog", () => {
  it("keeps entries whose file is unchanged, redoes changed files and other statistics modes", async () => {
    const inputs = await resolveInputs([join(dir, "runs", "a"), join(dir, "runs", "material.fvx")], dir);
    const first = await buildCatalog(inputs);
    const reusedOf = async (opts: Parameters<typeof buildCatalog>[1]) => {
      const reused: Record<string, boolean> = {};
      const c = await buildCatalog(inputs, {
        ...opts,
        onProgress: (p) => {
          reused[p.source.split("/").pop()!] = p.reused === true;
        },
      });
      return { c, reused };
    };
    const same = await reusedOf({ previous: first });
    expect(same.reused).toEqual({ "scalar.fvx": true, "material.fvx": true });
    expect(same.c.datasets).toEqual(first.datasets);
    // Rewritten (new modification time, hence a new validator): described again.
    const path = join(dir, "runs", "material.fvx");
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(path, readFileSync(path));
    const changed = await reusedOf({ previous: first });
    expect(changed.reused).toEqual({ "scalar.fvx": true, "material.fvx": false });
    const coarse = await reusedOf({ previous: first, stats: "coarse" });
    expect(coarse.reused).toEqual({ "scalar.fvx": false, "material.fvx": false });
  });
});

describe("catalog build over HTTP", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startFlatvox(join(dir, "runs"));
  });
  afterAll(() => server.stop());

  it("coarse statistics of a scalar dataset cost exactly the open request", async () => {
    await server.clearLog();
    const c = await buildCatalog(
      [{ source: `${server.url}a/scalar.fvx`, url: `${server.url}a/scalar.fvx` }],
      {
        stats: "coarse",
      },
    );
    expect(c.failed).toEqual([]);
    expect(await requestsFor(server, "a/scalar.fvx")).toHaveLength(1);
  });

  it("exact statistics over HTTP equal those from the file", async () => {
    const url = `${server.url}a/scalar.fvx`;
    const remote = await buildCatalog([{ source: url, url }]);
    const local = await buildCatalog([{ source: join(dir, "runs", "a", "scalar.fvx"), url }]);
    const strip = (e: CatalogEntry) => ({ ...e, etag: undefined });
    expect(strip(remote.datasets[0])).toEqual(strip(local.datasets[0]));
  });

  it("a missing URL is a failure with its HTTP status, not a crash", async () => {
    const url = `${server.url}nope.fvx`;
    const c = await buildCatalog([{ source: url, url }]);
    expect(c.datasets).toEqual([]);
    expect(c.failed[0]).toMatchObject({ source: url, error: "HttpError" });
    expect(c.failed[0].message).toMatch(/404/);
  });
});

describe("flatvox catalog (CLI)", () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ["bin/flatvox.js", "catalog", ...args], { encoding: "utf8" });

  it("build writes the catalog, reports failures and exits 1; search prints the best match", () => {
    const out = join(dir, "catalog.json");
    const b = cli("build", join(dir, "runs"), "-o", out, "-q");
    expect(b.status).toBe(1);
    expect(b.stderr).toMatch(/2 datasets/);
    expect(b.stderr).toMatch(/failed .*junk\.fvx: FormatError/);
    const cat = parseCatalog(readFileSync(out, "utf8")).catalog;
    expect(cat.datasets).toHaveLength(2);
    expect(cat.failed).toHaveLength(2);
    const again = cli("build", join(dir, "runs"), "-o", out, "-q", "--update");
    expect(again.stderr).toMatch(/2 datasets → .*\(2 unchanged\), 2 failed/);
    const s = cli("search", out, "kind:categorical", "--json");
    expect(s.status).toBe(0);
    const hits = JSON.parse(s.stdout) as { entry: CatalogEntry }[];
    expect(hits.map((h) => h.entry.url)).toEqual(["runs/material.fvx"]);
  });

  it("bad options and unreadable catalogs are errors with a message and exit 2", () => {
    const bad = cli("build", dir, "--stats", "sometimes");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--stats must be exact, coarse or none/);
    const garbage = join(dir, "garbage.json");
    writeFileSync(garbage, "{ not json");
    const g = cli("search", garbage, "x");
    expect(g.status).toBe(2);
    expect(g.stderr).toMatch(/CatalogError: .*not JSON/);
  });
});
