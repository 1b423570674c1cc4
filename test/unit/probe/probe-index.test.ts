import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { verifyDataset } from "../../../src/cli/verify";
import { SectionKind } from "../../../src/format/constants";
import { openDataset } from "../../../src/reader";
import type { Dataset } from "../../../src/reader/dataset";
import { isFlatvoxError } from "../../../src/shared/errors";
import type { Vec3 } from "../../../src/shared/types";
import { appendTimesteps } from "../../../src/writer/append";
import { mergeParts } from "../../../src/writer/merge";
import type { DatasetSpec } from "../../../src/writer/pack-types";
import { packDataset } from "../../../src/writer/packer";
import { packPart } from "../../../src/writer/part";
import { cleanupTemp, prng, tempDir } from "../reader/fixtures";
import { demos } from "../scale/compare";

afterAll(cleanupTemp);

const close = (ds: Dataset) => (ds.source as { close?(): Promise<void> }).close?.();

/** Every step of a probe equals ds.sample of that voxel, and box probes equal readRegion. */
async function expectProbeMatches(ds: Dataset, points: Vec3[], field: number) {
  const T = ds.info.times.length;
  for (const p of points) {
    const r = await ds.probe({ field, point: p });
    expect(r.source).toBe("probe-index");
    expect(r.timesteps.length).toBe(T);
    for (let t = 0; t < T; t++) {
      const want = await ds.sample({ field, t, point: p });
      expect(Object.is(r.values[t][0], want) || r.values[t][0] === want).toBe(true);
    }
  }
}

function randomPoints(dims: Vec3, n: number, seed: number): Vec3[] {
  const rnd = prng(seed);
  const pts: Vec3[] = [
    [0, 0, 0],
    [dims[0] - 1, dims[1] - 1, dims[2] - 1],
  ];
  for (let i = 0; i < n; i++) pts.push([0, 1, 2].map((a) => Math.floor(rnd() * dims[a])) as Vec3);
  return pts;
}

describe.each(demos(7))("probe index on the $name demo", (demo) => {
  const dir = tempDir();
  const path = join(dir, "probe.fvx");

  it("packs with a probe index; every probe equals ds.sample at every step", async () => {
    await packDataset(demo.spec, demo.steps, path, {
      brickSize: 16,
      workers: 0,
      probe: { chunk: 8, group: 3 },
    });
    const ds = await openDataset(path, { workers: false });
    try {
      expect(ds.hasProbeIndex).toBe(true);
      for (let f = 0; f < ds.info.fields.length; f++)
        await expectProbeMatches(ds, randomPoints(ds.info.dims, 6, 7 + f), f);
      // A box crossing chunk and brick edges, and a time window cutting groups.
      const box = { min: [5, 13, 14] as Vec3, max: [19, 18, 35] as Vec3 };
      const r = await ds.probe({ field: 0, box, t0: 2, t1: 6 });
      expect(r.timesteps).toEqual([2, 3, 4, 5]);
      for (let i = 0; i < 4; i++) {
        const want = await ds.readRegion({ field: 0, t: 2 + i, box });
        expect(Array.from(r.values[i])).toEqual(Array.from(want));
      }
    } finally {
      await close(ds);
    }
  });
});

describe("probe index on a packed random field", () => {
  const dir = tempDir();
  const path = join(dir, "random.fvx");
  const plain = join(dir, "plain.fvx");
  const dims: Vec3 = [37, 50, 29];
  const T = 9;
  const rnd = prng(11);
  const spec: DatasetSpec = {
    dims,
    times: Array.from({ length: T }, (_, i) => i * 0.5),
    fields: [
      { name: "a", dtype: "f32", kind: "scalar" },
      { name: "b", dtype: "u16", kind: "categorical" },
    ],
  };
  const steps = Array.from({ length: T }, (_, t) => {
    const n = dims[0] * dims[1] * dims[2];
    const a = new Float32Array(n);
    const b = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      a[i] = rnd() < 0.01 ? Number.NaN : rnd() * 100 - t;
      b[i] = Math.floor(rnd() * 7);
    }
    return { index: t, fields: { a, b } };
  });

  it("probe equals sample for every field, with the default chunk and group", async () => {
    await packDataset(spec, steps, path, { brickSize: 16, workers: 0, probe: true });
    const ds = await openDataset(path, { workers: false });
    try {
      await expectProbeMatches(ds, randomPoints(dims, 10, 3), 0);
      await expectProbeMatches(ds, randomPoints(dims, 10, 4), 1);
    } finally {
      await close(ds);
    }
  });

  it("a file without a probe index answers the same from bricks", async () => {
    await packDataset(spec, steps, plain, { brickSize: 16, workers: 0 });
    const a = await openDataset(plain, { workers: false });
    const b = await openDataset(path, { workers: false });
    try {
      expect(a.hasProbeIndex).toBe(false);
      const box = { min: [3, 4, 5] as Vec3, max: [21, 9, 8] as Vec3 };
      const ra = await a.probe({ field: "a", box });
      const rb = await b.probe({ field: "a", box });
      expect(ra.source).toBe("bricks");
      expect(rb.source).toBe("probe-index");
      for (let t = 0; t < T; t++)
        expect(Buffer.from(ra.values[t].buffer).equals(Buffer.from(rb.values[t].buffer))).toBe(true);
      expect(Array.from(ra.mean)).toEqual(Array.from(rb.mean));
    } finally {
      await close(a);
      await close(b);
    }
  });

  it("bad queries are typed errors", async () => {
    const ds = await openDataset(path, { workers: false });
    try {
      for (const q of [
        { field: "a", point: [-1, 0, 0] as Vec3 },
        { field: "a", point: [0, 0, 0] as Vec3, t0: 5, t1: 5 },
        { field: "a", box: { min: [0, 0, 0] as Vec3, max: [38, 1, 1] as Vec3 } },
        { field: "zz", point: [0, 0, 0] as Vec3 },
      ]) {
        const e = await ds.probe(q).catch((x) => x);
        expect(isFlatvoxError(e)).toBe(true);
      }
    } finally {
      await close(ds);
    }
  });

  it("verify reads every probe chunk; a flipped byte in any chunk or index page fails a checksum, never returns other values", async () => {
    const ds0 = await openDataset(path, { workers: false });
    const s = ds0.info.sections.find((x) => x.kind === SectionKind.PROBE_INDEX)!;
    const ok = await verifyDataset(ds0);
    await close(ds0);
    expect(ok.ok).toBe(true);
    expect(ok.probeChunks).toBeGreaterThan(0);
    const bytes = readFileSync(path);
    // Chunk bytes: the first chunk of the first group lies before the index section; an index page inside it.
    const ds1 = await openDataset(path, { workers: false });
    const refs = await firstChunkRef(ds1);
    await close(ds1);
    // A chunk's bytes, an entry of the page that indexes it, and the page's own checksum.
    const targets = [refs.offset + Math.floor(refs.length / 2), refs.pageAt + 4 + 16 + 9, refs.pageAt + 1];
    expect(refs.pageAt).toBeGreaterThan(s.offset);
    for (const at of targets) {
      const bad = Buffer.from(bytes);
      bad[at] ^= 0x40;
      const mutant = join(dir, `mutant-${at}.fvx`);
      writeFileSync(mutant, bad);
      const ds = await openDataset(mutant, { workers: false });
      try {
        const v = await verifyDataset(ds);
        expect(v.ok).toBe(false);
        expect(v.error?.tag).toBe("ChecksumError");
        // Probing every voxel of the grid either matches the clean file or throws a ChecksumError.
        const e = await ds.probe({ field: "a", box: { min: [0, 0, 0], max: dims } }).catch((x) => x);
        expect(isFlatvoxError(e, "ChecksumError")).toBe(true);
      } finally {
        await close(ds);
      }
    }
  });
});

async function firstChunkRef(ds: Dataset) {
  const { decodeProbeHead, decodeProbePage, probePageAt } = await import("../../../src/format/probe");
  const s = ds.info.sections.find((x) => x.kind === SectionKind.PROBE_INDEX)!;
  const bytes = (await ds.readSection(SectionKind.PROBE_INDEX))!;
  const head = decodeProbeHead(bytes, s.offset, s.length, {
    fields: ds.info.fields.length,
    timeCount: ds.info.times.length,
  })!;
  const pg = probePageAt(0, 0, head.chunksPerField, head.pageEntries);
  const at = head.groups[0].indexOffset + pg.at;
  const ref = decodeProbePage(bytes.subarray(at, at + 4 + pg.entries * 16), pg.entries, s.offset + at)[0];
  return { ...ref, pageAt: s.offset + at };
}

describe.each(demos(8))("probe index through merge and append: $name demo", (demo) => {
  const dir = tempDir();
  const opts = { brickSize: 16, workers: 0, probe: { chunk: 8, group: 2 } };

  it("merge of parts packed with --probe keeps it: probe equals sample at every step, verify passes", async () => {
    const parts: string[] = [];
    for (let i = 0; i < 3; i++) {
      const out = join(dir, `part-${i}.fvx`);
      await packPart(demo.spec, demo.steps, out, i, 3, opts);
      parts.push(out);
    }
    const merged = join(dir, "merged.fvx");
    await mergeParts(parts, merged, { features: null });
    const ds = await openDataset(merged, { workers: false });
    try {
      expect(ds.hasProbeIndex).toBe(true);
      await expectProbeMatches(ds, randomPoints(ds.info.dims, 5, 21), 0);
      const v = await verifyDataset(ds);
      expect(v.ok).toBe(true);
      // 3 parts of 3, 3, 2 steps in groups of 2: 2 + 2 + 1 groups, each chunk of each field once.
      const n = 5 ** 3;
      expect(v.probeChunks).toBe(5 * n * ds.info.fields.length);
    } finally {
      await close(ds);
    }
  });

  it("merge refuses parts of which only some have a probe index", async () => {
    const a = join(dir, "mixed-0.fvx");
    const b = join(dir, "mixed-1.fvx");
    await packPart(demo.spec, demo.steps, a, 0, 2, opts);
    await packPart(demo.spec, demo.steps, b, 1, 2, { brickSize: 16, workers: 0 });
    const e = await mergeParts([a, b], join(dir, "mixed.fvx"), { features: null }).catch((x) => x);
    expect(isFlatvoxError(e, "InputError")).toBe(true);
    expect(e.message).toMatch(/probe index/);
  });

  it("append grows the probe index with the new steps", async () => {
    const grown = join(dir, "grown.fvx");
    const head = { ...demo.spec, times: demo.spec.times.slice(0, 5) };
    await packDataset(head, demo.steps.slice(0, 5), grown, opts);
    await appendTimesteps(
      grown,
      { times: demo.spec.times.slice(5, 6), steps: demo.steps.slice(5, 6) },
      { workers: 0 },
    );
    await appendTimesteps(
      grown,
      { times: demo.spec.times.slice(6, 8), steps: demo.steps.slice(6, 8) },
      { workers: 0 },
    );
    const ds = await openDataset(grown, { workers: false });
    try {
      expect(ds.info.times.length).toBe(8);
      expect(ds.hasProbeIndex).toBe(true);
      for (let f = 0; f < ds.info.fields.length; f++)
        await expectProbeMatches(ds, randomPoints(ds.info.dims, 5, 31 + f), f);
      const v = await verifyDataset(ds);
      expect(v.ok).toBe(true);
    } finally {
      await close(ds);
    }
  });
});
