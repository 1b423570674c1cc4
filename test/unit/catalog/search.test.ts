/** Catalog search (words with typos, filters, ranking) and catalog reading (checks, problems). */
import { describe, expect, it } from "vitest";
import { parseCatalog, parseQuery, readCatalog, searchCatalog } from "../../../src/catalog/search";
import type { Catalog, CatalogEntry } from "../../../src/catalog/types";
import { isFlatvoxError } from "../../../src/shared/errors";

function entry(p: Partial<CatalogEntry> & { url: string; title: string }): CatalogEntry {
  return { description: "", tags: [], kind: "scalar", fields: [], metadata: {}, ...p };
}

const CATALOG: Catalog = {
  version: 1,
  generated: "",
  failed: [],
  datasets: [
    entry({
      url: "gs.fvx",
      title: "Gray–Scott reaction–diffusion 128³",
      tags: ["demo", "reaction-diffusion"],
      times: { count: 24, first: 0, last: 23, units: "" },
      fields: [
        { name: "v", dtype: "f32", kind: "scalar", units: "", description: "activator", range: [0, 1] },
      ],
      features: { count: 1400, tracks: 100 },
    }),
    entry({
      url: "world.fvx",
      title: "Eroding material world",
      kind: "categorical",
      tags: ["geology"],
      times: { count: 12, first: 0, last: 11, units: "kyr" },
      fields: [
        {
          name: "material",
          dtype: "u16",
          kind: "categorical",
          units: "",
          description: "",
          range: [0, 2],
          stats: {
            level: 0,
            exact: true,
            materials: [
              { value: 1, name: "granite", fraction: [0.5] },
              { value: 2, name: "copper ore", fraction: [0.5] },
            ],
          },
        },
      ],
    }),
    entry({
      url: "rings.fvx",
      title: "Vortex rings advected",
      description: "Two colliding vortex rings in a periodic box",
      times: { count: 40, first: 0, last: 39, units: "s" },
      fields: [
        { name: "vorticity", dtype: "f32", kind: "scalar", units: "1/s", description: "", range: [0, 9] },
      ],
      metadata: { solver: { name: "spectral Navier–Stokes" } },
    }),
  ],
};

const urls = (q: string, o = {}) => searchCatalog(CATALOG, q, o).map((h) => h.entry.url);

describe("catalog search", () => {
  it("finds by title words with typos, best first", () => {
    expect(urls("gray scot")[0]).toBe("gs.fvx");
    expect(urls("vortx ring")).toEqual(["rings.fvx"]);
    expect(urls("erodng")).toEqual(["world.fvx"]);
  });

  it("every word must match somewhere (AND), in any part", () => {
    expect(urls("vortex colliding")).toEqual(["rings.fvx"]); // title + description
    expect(urls("vortex granite")).toEqual([]);
    expect(urls("navier")).toEqual(["rings.fvx"]); // a nested metadata string
    const hit = searchCatalog(CATALOG, "copper")[0];
    expect(hit.entry.url).toBe("world.fvx");
    expect(hit.matched).toContain("materials");
  });

  it("an exact match scores better than a prefix, and a prefix better than a typo", () => {
    const exact = searchCatalog(CATALOG, "vortex")[0].score;
    const prefix = searchCatalog(CATALOG, "vort")[0].score;
    const typo = searchCatalog(CATALOG, "vortx")[0].score;
    expect(exact).toBeGreaterThan(prefix);
    expect(prefix).toBeGreaterThan(typo);
    expect(typo).toBeGreaterThan(0);
  });

  it("filters: kind, field, tag, steps, features; an empty query keeps catalog order", () => {
    expect(urls("")).toEqual(["gs.fvx", "world.fvx", "rings.fvx"]);
    expect(urls("kind:categorical")).toEqual(["world.fvx"]);
    expect(urls("kind:material")).toEqual(["world.fvx"]);
    expect(urls("field:VORTICITY")).toEqual(["rings.fvx"]);
    expect(urls("tag:demo")).toEqual(["gs.fvx"]);
    expect(urls("steps>=20")).toEqual(["gs.fvx", "rings.fvx"]);
    expect(urls("steps>24")).toEqual(["rings.fvx"]);
    expect(urls("steps<24")).toEqual(["world.fvx"]);
    expect(urls("steps=24")).toEqual(["gs.fvx"]);
    expect(urls("features:yes")).toEqual(["gs.fvx"]);
    expect(urls("features:no kind:scalar")).toEqual(["rings.fvx"]);
    expect(urls("", { kind: "scalar", limit: 1 })).toEqual(["gs.fvx"]);
  });

  it("a malformed filter is a QueryError saying what is allowed", () => {
    for (const q of ["kind:bogus", "features:maybe"]) {
      let err: unknown;
      try {
        parseQuery(q);
      } catch (e) {
        err = e;
      }
      expect(isFlatvoxError(err, "QueryError")).toBe(true);
    }
    expect(parseQuery("steps>=3 a b")).toEqual({ words: ["a", "b"], filters: { minSteps: 3 } });
  });
});

describe("reading catalogs", () => {
  it("a minimal hand-written catalog is enough; defaults fill the rest", () => {
    const { catalog, problems } = readCatalog({
      datasets: [{ url: "x.fvx" }, { url: "y.fvx", kind: "material" }],
    });
    expect(problems).toEqual([]);
    expect(catalog.datasets[0]).toMatchObject({
      url: "x.fvx",
      title: "x.fvx",
      kind: "scalar",
      fields: [],
      tags: [],
    });
    expect(catalog.datasets[1].kind).toBe("categorical");
  });

  it("malformed entries are left out and reported by index; the rest stay", () => {
    const { catalog, problems } = readCatalog({
      datasets: [
        { url: "ok.fvx", fields: [{ name: "a", stats: { level: 0, series: { min: "x" } } }, { nope: 1 }] },
        { title: "no url" },
        "text",
      ],
    });
    expect(catalog.datasets.map((d) => d.url)).toEqual(["ok.fvx"]);
    expect(catalog.datasets[0].fields.map((f) => f.name)).toEqual(["a"]);
    expect(catalog.datasets[0].fields[0].stats).toBeUndefined();
    expect(problems).toEqual([
      "datasets[0].fields[0].stats: neither a series nor material shares; ignored",
      "datasets[0].fields[1]: not a field (needs a name)",
      "datasets[1]: not a dataset (needs a url)",
      "datasets[2]: not a dataset (needs a url)",
    ]);
  });

  it("what is not a catalog is a CatalogError naming the source", () => {
    for (const text of ["[1,2]", '{"datasets": 3}', '{"version": 2, "datasets": []}', "{ nope"]) {
      let err: unknown;
      try {
        parseCatalog(text, "c.json");
      } catch (e) {
        err = e;
      }
      expect(isFlatvoxError(err, "CatalogError"), text).toBe(true);
      expect((err as Error).message).toMatch(/^c\.json: /);
    }
  });
});
