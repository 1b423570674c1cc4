/**
 * Catalogs: what describing a remote dataset costs, and how fast search is.
 *
 * build: each demo dataset over loopback HTTP (counting server), with
 *   --stats exact / coarse / none: requests and bytes seen by the server, the
 *   fraction of the file that is, and wall time (median of --runs).
 * search: a synthetic catalog of --entries datasets (titles, tags, fields,
 *   materials, metadata drawn from word lists); a fixed set of queries, some
 *   with typos. Per-query time of the MiniSearch index (CatalogIndex) against a
 *   plain lowercase substring scan of the same text in the same process
 *   (which finds nothing for a typo), and the index build time.
 *
 * Usage: npx tsx bench/catalog.ts [--runs 3] [--entries 10000]
 * Prints JSON.
 */
import { basename, dirname } from "node:path";
import { buildCatalog } from "../src/catalog/build";
import { CatalogIndex } from "../src/catalog/search";
import type { Catalog, CatalogEntry } from "../src/catalog/types";
import { mulberry32 } from "../src/demo/prng";
import { startCountingServer } from "./lib/counting-server";
import { ensureDemo } from "./lib/demo-data";
import { argNumber, environment, median, printJson, ratio, summarize } from "./lib/report";

const runs = argNumber("runs", 3);
const entries = argNumber("entries", 10000);

async function benchBuild() {
  const sets = [
    { name: "gray-scott 128³×4, B=64", path: await ensureDemo("gray-scott") },
    { name: "gray-scott 128³×4, B=32", path: await ensureDemo("gray-scott", { brickSize: 32 }) },
    { name: "material-world 128³×4, B=64", path: await ensureDemo("material-world") },
  ];
  const out = [];
  for (const s of sets) {
    const server = await startCountingServer(dirname(s.path));
    const url = `${server.url}${basename(s.path)}`;
    const row: Record<string, unknown> = { dataset: s.name };
    for (const stats of ["none", "coarse", "exact"] as const) {
      const ms: number[] = [];
      let counts = { requests: 0, bytes: 0 };
      let size = 0;
      for (let r = 0; r < runs; r++) {
        server.reset();
        const t0 = performance.now();
        const c = await buildCatalog([{ source: url, url }], { stats });
        ms.push(performance.now() - t0);
        if (c.failed.length) throw new Error(`${s.name}: ${c.failed[0].message}`);
        counts = server.counts();
        size = c.datasets[0].size ?? 0;
      }
      row[stats] = {
        requests: counts.requests,
        bytes: counts.bytes,
        fractionOfFile: +(counts.bytes / size).toFixed(4),
        ms: summarize(ms, 1),
      };
    }
    await server.stop();
    out.push(row);
  }
  return out;
}

const WORDS = {
  model: [
    "Gray–Scott",
    "vortex rings",
    "Rayleigh–Bénard",
    "supernova",
    "magnetosphere",
    "ocean eddies",
    "glacier",
    "combustion",
    "plasma",
    "mantle convection",
    "tokamak",
    "cloud microphysics",
  ],
  adj: [
    "turbulent",
    "laminar",
    "rotating",
    "stratified",
    "eroding",
    "collapsing",
    "forced",
    "decaying",
    "periodic",
    "coupled",
  ],
  field: [
    "density",
    "pressure",
    "temperature",
    "vorticity",
    "velocity_x",
    "salinity",
    "material",
    "concentration",
    "energy",
    "magnetic_b",
  ],
  material: [
    "granite",
    "basalt",
    "shale",
    "water",
    "ice",
    "copper ore",
    "iron ore",
    "sandstone",
    "air",
    "magma",
  ],
  tag: ["production", "validation", "demo", "high-res", "low-res", "ensemble", "archived", "paper-2026"],
};

function syntheticCatalog(n: number): Catalog {
  const r = mulberry32(42);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const datasets: CatalogEntry[] = [];
  for (let i = 0; i < n; i++) {
    const categorical = r() < 0.3;
    const steps = 1 + Math.floor(r() * 200);
    datasets.push({
      url: `runs/${i}.fvx`,
      title: `${pick(WORDS.adj)} ${pick(WORDS.model)} run ${i}`,
      description: `${pick(WORDS.adj)} ${pick(WORDS.model)} at resolution ${pick([128, 256, 512, 1024])}`,
      tags: [pick(WORDS.tag), pick(WORDS.tag)],
      kind: categorical ? "categorical" : "scalar",
      times: { count: steps, first: 0, last: steps - 1, units: "s" },
      fields: [0, 1].map(() => ({
        name: pick(WORDS.field),
        dtype: "f32",
        kind: categorical ? "categorical" : "scalar",
        units: "",
        description: "",
        range: [0, 1] as [number, number],
        stats: categorical
          ? {
              level: 0,
              exact: true,
              materials: [0, 1, 2].map((v) => ({ value: v, name: pick(WORDS.material), fraction: [0.3] })),
            }
          : undefined,
      })),
      metadata: { code: pick(WORDS.model), machine: pick(["cluster-a", "cluster-b", "laptop"]) },
    });
  }
  return { version: 1, generated: "", datasets, failed: [] };
}

const QUERIES = [
  "gray scott",
  "gray scot",
  "vortex",
  "vortx rings",
  "supernova collapsing",
  "supernva",
  "copper",
  "coper ore",
  "temperature stratified",
  "kind:categorical granite",
  "production steps>=100",
  "tokamak plasma",
  "cluster-b",
  "mantle convecton",
  "eddies ocean validation",
];

function benchSearch(n: number) {
  const cat = syntheticCatalog(n);
  const t0 = performance.now();
  const index = new CatalogIndex(cat);
  const buildMs = performance.now() - t0;
  // Baseline: lowercase substring of every word in one concatenated text per entry.
  const texts = cat.datasets.map((e) =>
    [
      e.title,
      e.description,
      e.url,
      ...e.tags,
      ...e.fields.map((f) => f.name),
      ...e.fields.flatMap((f) => f.stats?.materials?.map((m) => m.name) ?? []),
      JSON.stringify(e.metadata),
    ]
      .join(" ")
      .toLowerCase(),
  );
  const rows = [];
  for (const q of QUERIES) {
    const fuseMs: number[] = [];
    const naiveMs: number[] = [];
    let hits = 0;
    let naiveHits = 0;
    for (let k = 0; k < Math.max(3, runs); k++) {
      let t = performance.now();
      hits = index.search(q).length;
      fuseMs.push(performance.now() - t);
      t = performance.now();
      const words = q
        .toLowerCase()
        .split(/\s+/)
        .filter((w) => !w.includes(":") && !/[<>=]/.test(w));
      naiveHits = texts.filter((s) => words.every((w) => s.includes(w))).length;
      naiveMs.push(performance.now() - t);
    }
    rows.push({ query: q, hits, naiveHits, ms: median(fuseMs), naiveMs: median(naiveMs) });
  }
  const ms = rows.map((r) => r.ms);
  return {
    entries: n,
    indexBuildMs: +buildMs.toFixed(1),
    queryMs: summarize(ms, 1),
    naiveQueryMs: summarize(
      rows.map((r) => r.naiveMs),
      2,
    ),
    indexVsNaive: ratio(median(ms), median(rows.map((r) => r.naiveMs))),
    queries: rows,
  };
}

printJson({
  bench: "catalog",
  environment: environment(),
  build: await benchBuild(),
  search: benchSearch(entries),
});
