// Metadata nesting is bounded: a reader rejects a header whose metadata nests
// deeper than MAX_JSON_DEPTH at open (typed FormatError), the printers never
// recurse without bound, and one such file does not abort a catalog build.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCatalog } from "../../../src/catalog/build";
import { catalogJson, readCatalog } from "../../../src/catalog/search";
import { formatInspect, inspectDataset } from "../../../src/cli/inspect";
import { boundedJson, jsonDepth, MAX_JSON_DEPTH } from "../../../src/format/json-depth";
import { MemorySource } from "../../../src/io/memory-source";
import { openDataset } from "../../../src/reader";
import { type FlatvoxError, isFlatvoxError } from "../../../src/shared/errors";
import { cleanupTemp, type Packed, packSmall } from "../reader/fixtures";
import { withHeader } from "../reader/hostile";

/** A value nested `n` levels deep, built without recursion. */
function nested(n: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

let p: Packed;
let deep: Uint8Array;
beforeAll(async () => {
  p = await packSmall([{ name: "s", dtype: "f32", kind: "scalar" }]);
  // Make room in the header by dropping the optional summary, then nest the metadata.
  deep = withHeader(p.bytes, (h) => {
    delete h.summary;
    h.metadata = { deep: JSON.parse(`${"[".repeat(MAX_JSON_DEPTH + 1)}${"]".repeat(MAX_JSON_DEPTH + 1)}`) };
  });
});
afterAll(cleanupTemp);

describe("JSON nesting depth", () => {
  it("jsonDepth counts objects and arrays, iteratively, and stops early", () => {
    expect(jsonDepth(3)).toBe(0);
    expect(jsonDepth({})).toBe(1);
    expect(jsonDepth({ a: [1, { b: 2 }] })).toBe(3);
    expect(jsonDepth(nested(200_000))).toBe(200_000);
    expect(jsonDepth(nested(200_000), 10)).toBe(11);
  });

  it("boundedJson prints a 200 000-level value with the deep part replaced", () => {
    expect(() => JSON.stringify(nested(200_000))).toThrow(RangeError);
    const text = boundedJson(nested(200_000), 5);
    expect(text).toBe('[{"a":[{"a":["[nested beyond 5 levels]"]}]}]');
    expect(jsonDepth(JSON.parse(text))).toBe(5);
    expect(boundedJson({ a: [1, 2], b: "x" })).toBe('{"a":[1,2],"b":"x"}');
  });

  it("open rejects metadata deeper than the bound with a FormatError naming the header", async () => {
    const err = await openDataset(new MemorySource(deep)).catch((e: unknown) => e);
    expect(isFlatvoxError(err, "FormatError"), String(err)).toBe(true);
    expect((err as FlatvoxError).context.section).toBe("header");
    expect((err as FlatvoxError).message).toMatch(/metadata nests more than 64 levels/);
    // At the bound it opens.
    const ok = withHeader(p.bytes, (h) => {
      delete h.summary;
      h.metadata = { deep: JSON.parse(`${"[".repeat(MAX_JSON_DEPTH - 1)}${"]".repeat(MAX_JSON_DEPTH - 1)}`) };
    });
    const ds = await openDataset(new MemorySource(ok));
    expect(jsonDepth(ds.info.metadata)).toBe(MAX_JSON_DEPTH);
    expect(formatInspect(inspectDataset(ds, "ok.fvx"))).toMatch(/^metadata {2}\{"deep":\[\[/m);
  });

  it("inspect's printer survives a report whose metadata nests 200 000 levels", async () => {
    const ds = await openDataset(new MemorySource(p.bytes));
    const r = inspectDataset(ds, "x.fvx");
    r.metadata = nested(200_000);
    expect(formatInspect(r)).toMatch(/nested beyond 64 levels/);
  });

  it("catalog build lists the deep file as failed and catalogues the others", async () => {
    const files: Record<string, Uint8Array> = { "good.fvx": p.bytes, "deep.fvx": deep };
    const c = await buildCatalog(
      Object.keys(files).map((f) => ({ source: f, url: f })),
      { stats: "none", open: (s) => openDataset(new MemorySource(files[s])) },
    );
    expect(c.datasets.map((d) => d.url)).toEqual(["good.fvx"]);
    expect(c.failed).toEqual([
      expect.objectContaining({
        source: "deep.fvx",
        error: "FormatError",
        message: expect.stringMatching(/nests/),
      }),
    ]);
    expect(() => catalogJson(c)).not.toThrow();
  });

  it("a hand-written catalog entry with over-deep metadata keeps the entry and drops the metadata", () => {
    const { catalog, problems } = readCatalog({
      datasets: [{ url: "a.fvx", metadata: { x: nested(100_000) } }],
    });
    expect(catalog.datasets[0].url).toBe("a.fvx");
    expect(catalog.datasets[0].metadata).toEqual({});
    expect(problems).toEqual(["datasets[0].metadata: nests more than 64 levels deep (left out)"]);
  });
});
