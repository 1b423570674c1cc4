import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Encoding, OPEN_BLOCK_SIZE, SectionKind } from "../../../src/format/constants";
import { MemorySource } from "../../../src/io/memory-source";
import { openDataset } from "../../../src/reader";
import { isFlatvoxError } from "../../../src/shared/errors";
import { packDataset } from "../../../src/writer/packer";
import { CountingSource, cleanupTemp, makeSteps, type Packed, packSmall, tempDir } from "./fixtures";

afterAll(cleanupTemp);

let p: Packed;
beforeAll(async () => {
  p = await packSmall([
    { name: "temp", dtype: "f32", kind: "scalar", units: "K", fill: Number.NaN },
    { name: "mat", dtype: "u16", kind: "categorical" },
  ]);
});

describe("openDataset", () => {
  it("opens with exactly one getBytes call for the first 64 KiB", async () => {
    const src = new CountingSource(p.bytes);
    const ds = await openDataset(src);
    expect(src.calls).toEqual([{ offset: 0, length: OPEN_BLOCK_SIZE, purpose: "open" }]);
    expect(ds.info.dims).toEqual([37, 20, 9]);
    expect(ds.info.fields.map((f) => [f.name, f.dtype, f.kind])).toEqual([
      ["temp", "f32", "scalar"],
      ["mat", "u16", "categorical"],
    ]);
    expect(ds.info.fields[0].units).toBe("K");
    expect(Number.isNaN(ds.info.fields[0].fill)).toBe(true);
    expect(ds.info.times).toEqual([0.5, 1.5, 4]);
    expect(ds.info.timeUnits).toBe("s");
    expect(ds.info.metadata).toEqual({ simulation: "test", n: 1 });
    expect(ds.info.version).toEqual({ major: 2, minor: 0 });
    expect(ds.info.brickSize).toBe(16);
    expect(ds.info.levels[0].bricks).toEqual([3, 2, 1]);
    // Root pages of small datasets sit in the open block: the first brick entry costs no request either.
    await ds.brickEntry("temp", 0, 2, [0, 0, 0]);
    expect(src.calls.length).toBe(1);
  });

  it("finds timesteps by time", async () => {
    const ds = await openDataset(new MemorySource(p.bytes));
    expect(ds.timestepIndex(1.5)).toBe(1);
    expect(ds.timestepIndex(1.6)).toBeUndefined();
    expect(ds.timestepIndex(1.6, "nearest")).toBe(1);
    expect(ds.timestepIndex(3, "nearest")).toBe(2);
    expect(ds.timestepIndex(-9, "nearest")).toBe(0);
    expect(ds.timestepIndex(99, "nearest")).toBe(2);
  });

  it("reads uniform bricks without I/O and labels brick reads", async () => {
    const src = new CountingSource(p.bytes);
    const ds = await openDataset(src);
    const before = src.calls.length;
    const r = await ds.readRegion({ field: "mat", t: 0, box: { min: [0, 0, 0], max: [16, 16, 9] } });
    expect(r.every((v) => v === 3)).toBe(true);
    expect(src.calls.length).toBe(before);
    await ds.readRegion({ field: "mat", t: 0, box: { min: [16, 0, 0], max: [37, 20, 9] } });
    expect(src.calls.slice(before).every((c) => c.purpose === "brick" || c.purpose === "hierarchy")).toBe(
      true,
    );
    expect(src.calls.length).toBeGreaterThan(before);
  });

  it("rejects out-of-range requests with RangeError", async () => {
    const ds = await openDataset(new MemorySource(p.bytes));
    const bad = [
      () => ds.readRegion({ field: "nope", t: 0, box: { min: [0, 0, 0], max: [1, 1, 1] } }),
      () => ds.readRegion({ field: 0, t: 3, box: { min: [0, 0, 0], max: [1, 1, 1] } }),
      () => ds.readRegion({ field: 0, t: 0, level: 3, box: { min: [0, 0, 0], max: [1, 1, 1] } }),
      () => ds.readRegion({ field: 0, t: 0, box: { min: [0, 0, 0], max: [38, 1, 1] } }),
      () => ds.brickEntry(0, 0, 0, [3, 0, 0]),
      () => ds.sample({ field: 0, t: 0, point: [-1, 0, 0] }),
    ];
    for (const f of bad) await expect(f()).rejects.toSatisfy((e) => isFlatvoxError(e, "RangeError"));
  });

  it("honours AbortSignal", async () => {
    const ds = await openDataset(new MemorySource(p.bytes));
    const ac = new AbortController();
    ac.abort();
    await expect(
      ds.readRegion({ field: 0, t: 0, box: { min: [0, 0, 0], max: [1, 1, 1] } }, { signal: ac.signal }),
    ).rejects.toSatisfy((e) => isFlatvoxError(e, "AbortError"));
  });

  it("opens a file path given as a string", async () => {
    const ds = await openDataset(p.path);
    const r = await ds.readRegion({ field: "temp", t: 2, box: { min: [30, 10, 0], max: [37, 20, 9] } });
    expect(r.length).toBe(7 * 10 * 9);
    await ds.source.close?.();
  });

  it("lists extra sections, reads them verified, and skips unknown optional kinds", async () => {
    const steps = makeSteps([8, 8, 8], "u8", "scalar", 5, "a");
    const out = join(tempDir(), "extra.fvx");
    const payload = new TextEncoder().encode("feature table");
    await packDataset(
      { dims: [8, 8, 8], fields: [{ name: "a", dtype: "u8", kind: "scalar" }], times: [0, 1, 2] },
      steps,
      out,
      {
        brickSize: 16,
        workers: 0,
        extraSections: () => [
          { kind: SectionKind.FEATURES, bytes: payload },
          { kind: 0x9001, bytes: new Uint8Array([1, 2, 3]) },
        ],
      },
    );
    const ds = await openDataset(new MemorySource(new Uint8Array(readFileSync(out))));
    expect(ds.section(SectionKind.FEATURES)?.length).toBe(payload.length);
    expect(new TextDecoder().decode(await ds.readSection(SectionKind.FEATURES))).toBe("feature table");
    expect(ds.info.sections.find((s) => s.kind === 0x9001)?.optional).toBe(true);
    expect(ds.section(SectionKind.FEATURE_RTREE)).toBeUndefined();
    const r = await ds.readRegion({ field: "a", t: 1, box: { min: [0, 0, 0], max: [8, 8, 8] } });
    expect([...r]).toEqual([...steps[1].fields.a]);
  });

  it("rejects unknown required sections with VersionError", async () => {
    const out = join(tempDir(), "req.fvx");
    await packDataset(
      { dims: [8, 8, 8], fields: [{ name: "a", dtype: "u8", kind: "scalar" }], times: [0] },
      [{ index: 0, fields: { a: new Uint8Array(512) } }],
      out,
      {
        brickSize: 16,
        workers: 0,
        extraSections: () => [{ kind: 0x0777, bytes: new Uint8Array(4), optional: false }],
      },
    );
    await expect(openDataset(new MemorySource(new Uint8Array(readFileSync(out))))).rejects.toSatisfy((e) =>
      isFlatvoxError(e, "VersionError"),
    );
  });

  it("records pack summary counts in the header", async () => {
    const ds = await openDataset(new MemorySource(p.bytes));
    const s = ds.info.summary!;
    expect(s.bricks).toBe(p.report.bricks.total);
    expect(s.uniform).toBe(p.report.bricks.uniform);
    expect(s.dedup).toBe(p.report.bricks.deduped);
    const e = await ds.brickEntry("temp", 0, 0, [0, 0, 0]);
    expect(e.encoding).toBe(Encoding.UNIFORM);
  });
});
