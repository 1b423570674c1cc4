import { describe, expect, it } from "vitest";
import { leafEntrySize, NODE_HEADER, nodeSize } from "../../../src/index/btree-layout";
import { parseHeader } from "../../../src/index/btree-reader";
import { checksum } from "../../../src/index/checksum";
import { FeatureIndexReader } from "../../../src/index/feature-index-reader";
import type { FeatureInstance } from "../../../src/index/feature-types";
import { rtreeNodeSize } from "../../../src/index/rtree-layout";
import { parseRTreeHeader } from "../../../src/index/rtree-reader";
import { MemorySource } from "../../../src/io/memory-source";
import { isFlatvoxError } from "../../../src/shared/errors";
import type { Vec3 } from "../../../src/shared/types";
import { buildFile, layoutFile } from "./helpers";

const feats: FeatureInstance[] = Array.from({ length: 300 }, (_, i) => ({
  id: i,
  type: i % 2 ? "a" : "b",
  box: {
    min: [i % 17, (i * 7) % 23, i % 5] as Vec3,
    max: [(i % 17) + 2, ((i * 7) % 23) + 2, (i % 5) + 1] as Vec3,
  },
  voxels: 1 + (i % 13),
  peak: i / 3,
  mean: 0,
  centroid: [0, 0, 0] as Vec3,
  timestep: i % 10,
  time: [i % 10, i % 10] as [number, number],
}));
const OPTS = {
  indices: [{ name: "voxels", type: "u32" as const }],
  btree: { nodeCapacity: 8, headBudget: 0 },
  rtree: { nodeCapacity: 4, headBudget: 0 },
};

async function expectIndexError(p: Promise<unknown>, section: RegExp, offset?: number) {
  try {
    await p;
  } catch (e) {
    expect(isFlatvoxError(e, "IndexError"), String(e)).toBe(true);
    const ctx = (e as { context: { section: string; offset: number } }).context;
    expect(ctx.section).toMatch(section);
    expect(typeof ctx.offset).toBe("number");
    if (offset !== undefined) expect(ctx.offset).toBe(offset);
    expect((e as Error).message).toMatch(/offset \d+/);
    return e as Error;
  }
  throw new Error("expected an IndexError");
}

function fileWith(mutate: (b: ReturnType<typeof buildFile>["blobs"]) => void) {
  const b = buildFile(feats, [], OPTS);
  mutate(b.blobs);
  const { file, refs } = layoutFile(b.blobs);
  return { source: new MemorySource(file), refs };
}

describe("corrupt index pages", () => {
  const clean = buildFile(feats, [], OPTS);
  const attrHead = parseHeader(clean.blobs.attrs, "x", 0, clean.blobs.attrs.length);
  const leafLevel = attrHead.levels[attrHead.levels.length - 1];
  const rt = parseRTreeHeader(clean.blobs.rtree, 0, clean.blobs.rtree.length);
  const rtLeaf = rt.levels[rt.levels.length - 1];

  it("bad checksum in a B+tree leaf names the index and the node's file offset", async () => {
    const { source, refs } = fileWith((b) => {
      b.attrs[leafLevel.offset + NODE_HEADER + 2] ^= 0xff;
    });
    const r = await FeatureIndexReader.open(source, refs);
    const e = await expectIndexError(
      r.query({ where: [["voxels", ">=", 0]] }),
      /attribute index "voxels"/,
      refs.attrs.offset + leafLevel.offset,
    );
    expect(e.message).toMatch(/checksum/);
  });

  it("keys out of order (with a valid checksum) are detected", async () => {
    const { source, refs } = fileWith((b) => {
      const es = leafEntrySize("u32", 4);
      const at = leafLevel.offset;
      const a = b.attrs.slice(at + NODE_HEADER, at + NODE_HEADER + 4);
      b.attrs.copyWithin(at + NODE_HEADER, at + NODE_HEADER + es, at + NODE_HEADER + es + 4);
      b.attrs.set(a, at + NODE_HEADER + es);
      const size = nodeSize("u32", 4, 8, true);
      new DataView(b.attrs.buffer).setUint32(at, checksum(b.attrs, at + 4, at + size), true);
    });
    const r = await FeatureIndexReader.open(source, refs);
    const e = await expectIndexError(
      r.query({ where: [["voxels", "<", 3]] }),
      /voxels/,
      refs.attrs.offset + leafLevel.offset,
    );
    expect(e.message).toMatch(/out of order/);
  });

  it("a truncated file (section cut short) gives IndexError, not a crash", async () => {
    const { file, refs } = layoutFile(clean.blobs);
    const cut = new MemorySource(file.subarray(0, refs.records.offset + 100));
    const r = await FeatureIndexReader.open(cut, refs);
    await expectIndexError(r.query({ where: [["voxels", "=", 3]] }), /feature records/);
    const cut2 = new MemorySource(file.subarray(0, refs.rtree.offset + rt.levels[1].offset + 10));
    // "always": walk every level (by default a box holding everything reads the records from the root).
    const r2 = await FeatureIndexReader.open(cut2, refs, { descend: "always" });
    await expectIndexError(r2.query({ box: { min: [0, 0, 0], max: [100, 100, 100] } }), /R-tree/);
  });

  it("a section shorter than its structure declares is rejected at open", async () => {
    const { file, refs } = layoutFile(clean.blobs);
    const r = await FeatureIndexReader.open(new MemorySource(file), {
      ...refs,
      rtree: { offset: refs.rtree.offset, length: refs.rtree.length - rtreeNodeSize(4) },
    });
    await expectIndexError(r.query({ time: [0, 1] }), /R-tree/);
  });

  it("bad R-tree node checksum and corrupt records are IndexErrors", async () => {
    const a = fileWith((b) => {
      b.rtree[rtLeaf.offset + 20] ^= 1;
    });
    const r = await FeatureIndexReader.open(a.source, a.refs, { descend: "always" });
    await expectIndexError(
      r.query({ box: { min: [-1, -1, -1], max: [100, 100, 100] } }),
      /R-tree/,
      a.refs.rtree.offset + rtLeaf.offset,
    );
    const c = fileWith((b) => {
      b.records[20] ^= 1;
    });
    const r2 = await FeatureIndexReader.open(c.source, c.refs);
    const e = await expectIndexError(r2.query({}), /feature records/, c.refs.records.offset);
    expect(e.message).toMatch(/checksum/);
  });

  it("corrupt headers and directories are IndexErrors", async () => {
    const d = fileWith((b) => {
      b.dir[10] ^= 1;
    });
    await expectIndexError(FeatureIndexReader.open(d.source, d.refs), /feature directory/, d.refs.dir.offset);
    const h = fileWith((b) => {
      b.attrs[30] ^= 1;
    });
    const r = await FeatureIndexReader.open(h.source, h.refs);
    await expectIndexError(r.query({ where: [["voxels", "=", 1]] }), /voxels/);
  });
});
