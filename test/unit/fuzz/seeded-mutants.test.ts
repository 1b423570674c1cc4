// 100 000+ seeded mutants of both packed demos, over every section kind:
// raw edits (a changed checksummed byte must fail its checksum, and a file
// that still parses must parse to the same thing) and re-sealed structural
// edits (checksums recomputed: the parsers behind them may only throw typed
// errors). Each case runs the parser of the part it edits, so the whole set
// fits in a CI budget of a few minutes.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unshuffle } from "../../../src/core/filters";
import { mulberry32 } from "../../../src/demo/prng";
import { Encoding, SectionKind, sectionName } from "../../../src/format/constants";
import { decodePage } from "../../../src/format/hierarchy";
import { decodeRoots } from "../../../src/format/temporal";
import { xxhash32 } from "../../../src/format/xxhash32";
import { zstdDecompressExact } from "../../../src/format/zstd";
import { FeatureIndexReader } from "../../../src/index/feature-index-reader";
import { MemorySource } from "../../../src/io/memory-source";
import { openDataset } from "../../../src/reader";
import type { LocatedEntry } from "../../../src/reader/dataset";
import { parseOpenBlock } from "../../../src/reader/open-block";
import { isFlatvoxError } from "../../../src/shared/errors";
import { bytesPerValue, type DType } from "../../../src/shared/types";
import { makeTempDir } from "../../helpers/servers";
import { packDemos } from "../../mutants/demos";
import { FEATURE_TARGETS, featureMutant } from "../../mutants/resealed";
import { directory, reseal } from "../reader/hostile";

const CASES = Number(process.env.FVX_MUTANTS ?? 100_000);
const dir = makeTempDir("fvx-mutants-");

interface Demo {
  name: string;
  bytes: Uint8Array;
  openEnd: number;
  openJson: string;
  pages: { raw: Uint8Array; t: number; field: number }[];
  levels: Awaited<ReturnType<typeof openDataset>>["info"]["levels"];
  bricks: { e: LocatedEntry; dtype: DType }[];
  feature: { refs: { dir: Ref; records: Ref; rtree: Ref; attrs: Ref } };
}
type Ref = { offset: number; length: number };
const demos: Demo[] = [];

const blockJson = (b: Uint8Array) => {
  const o = parseOpenBlock(b, b.length);
  return JSON.stringify([o.header, o.times, o.sections, o.roots]);
};

beforeAll(async () => {
  for (const d of await packDemos(dir)) {
    const ds = await openDataset(new MemorySource(d.bytes));
    const secs = directory(d.bytes);
    const roots = secs.find((s) => s.kind === SectionKind.TIMESTEP_ROOTS)!;
    const count = ds.info.times.length * ds.info.fields.length;
    const refs = decodeRoots(
      d.bytes.subarray(roots.offset, roots.offset + roots.length),
      count,
      roots.offset,
    );
    const bricks: Demo["bricks"] = [];
    for (let f = 0; f < ds.info.fields.length; f++)
      for (let t = 0; t < ds.info.times.length; t++)
        for (const g of ds.info.levels)
          for (let z = 0; z < g.bricks[2]; z++)
            for (let y = 0; y < g.bricks[1]; y++)
              for (let x = 0; x < g.bricks[0]; x++) {
                const e = await ds.brickEntry(f, t, g.level, [x, y, z]);
                if (e.encoding !== Encoding.UNIFORM) bricks.push({ e, dtype: ds.info.fields[f].dtype });
              }
    const sec = (k: number) => {
      const s = secs.find((x) => x.kind === k)!;
      return { offset: s.offset, length: s.length };
    };
    demos.push({
      name: d.name,
      bytes: d.bytes,
      openEnd: secs.reduce((m, s) => (s.offset < 65536 ? Math.max(m, s.offset + s.length) : m), 0),
      openJson: blockJson(d.bytes),
      pages: refs.map((r, i) => ({
        raw: zstdDecompressExact(d.bytes.subarray(r.offset, r.offset + r.length), r.rawLength, {}).slice(),
        t: Math.floor(i / ds.info.fields.length),
        field: i % ds.info.fields.length,
      })),
      levels: ds.info.levels,
      bricks,
      feature: {
        refs: {
          dir: sec(SectionKind.FEATURES),
          records: sec(SectionKind.FEATURE_RECORDS),
          rtree: sec(SectionKind.FEATURE_RTREE),
          attrs: sec(SectionKind.ATTRIBUTE_INDEX),
        },
      },
    });
  }
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Change 1–4 bytes of [from, to) in place (each to a different value). */
function edit(b: Uint8Array, from: number, to: number, r: () => number): void {
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n; k++) {
    const at = from + Math.floor(r() * (to - from));
    b[at] ^= 1 + Math.floor(r() * 255);
  }
}

/** Run `fn`; only FlatvoxErrors may escape it. Returns whether it threw. */
function typed(fn: () => void, what: string): boolean {
  try {
    fn();
    return false;
  } catch (e) {
    if (!isFlatvoxError(e)) throw new Error(`${what}: ${e instanceof Error ? e.stack : e}`);
    return true;
  }
}

async function typedAsync(fn: () => Promise<unknown>, what: string): Promise<boolean> {
  try {
    await fn();
    return false;
  } catch (e) {
    if (!isFlatvoxError(e)) throw new Error(`${what}: ${e instanceof Error ? e.stack : e}`);
    return true;
  }
}

describe(`seeded mutants (${CASES} cases over both demos and every section kind)`, () => {
  it("raw edits fail their checksum or parse the same; re-sealed edits fail only with typed errors", async () => {
    const r = mulberry32(0x5eed);
    const tally = new Map<string, number>();
    const count = (k: string) => tally.set(k, (tally.get(k) ?? 0) + 1);
    let featureTurn = 0;
    for (let i = 0; i < CASES; i++) {
      const d = demos[i % demos.length];
      const kind = Math.floor(i / demos.length) % 10;
      const what = `${d.name} case ${i}`;
      if (kind <= 1) {
        // Raw edit of the open block (preamble, directory, header, times, roots, small sections).
        const b = d.bytes.slice(0, d.openEnd);
        edit(b, 0, d.openEnd, r);
        const threw = typed(() => blockJson(b), `${what} open block`);
        if (!threw) expect(blockJson(b), `${what}: open block parsed differently`).toBe(d.openJson);
        count("open-block raw");
      } else if (kind <= 3) {
        // Re-sealed edit of the open block's structures.
        const b = d.bytes.slice(0, d.openEnd);
        edit(b, 32, d.openEnd, r);
        typed(() => blockJson(reseal(b)), `${what} open block re-sealed`);
        count("open-block resealed");
      } else if (kind === 4) {
        // Re-sealed hierarchy page: decode the edited raw page.
        const p = d.pages[Math.floor(r() * d.pages.length)];
        const raw = p.raw.slice();
        edit(raw, 0, raw.length, r);
        const top = d.levels.length - 1;
        typed(
          () => decodePage(raw, { field: p.field, t: p.t, rootLevel: top, root: [0, 0, 0] }, d.levels, 0),
          `${what} page`,
        );
        count("hierarchy-page resealed");
      } else if (kind === 5) {
        // Raw brick edit: the entry's checksum must catch it.
        const { e } = d.bricks[Math.floor(r() * d.bricks.length)];
        const b = d.bytes.slice(e.offset, e.offset + e.length);
        edit(b, 0, b.length, r);
        expect(xxhash32(b), `${what}: an edited brick kept its checksum`).not.toBe(e.checksum);
        count("brick raw");
      } else if (kind === 6) {
        // Re-sealed brick: the decoder may only throw typed errors.
        const { e, dtype } = d.bricks[Math.floor(r() * d.bricks.length)];
        const b = d.bytes.slice(e.offset, e.offset + e.length);
        edit(b, 0, b.length, r);
        const size = bytesPerValue(dtype);
        const expected = e.size[0] * e.size[1] * e.size[2] * size;
        typed(() => unshuffle(zstdDecompressExact(b, expected, { section: "brick" }), size), `${what} brick`);
        count("brick resealed");
      } else if (kind <= 8) {
        // Raw edit inside any section: its directory checksum must catch it.
        const secs = directory(d.bytes).filter((s) => s.length > 0);
        const s = secs[Math.floor(r() * secs.length)];
        const b = d.bytes.slice(s.offset, s.offset + s.length);
        edit(b, 0, b.length, r);
        if (s.kind === SectionKind.BODY) {
          count("body raw");
          continue; // bricks carry their own checksums (above)
        }
        expect(xxhash32(b), `${what}: edited ${sectionName(s.kind)} kept its checksum`).not.toBe(s.checksum);
        count(`${sectionName(s.kind)} raw`);
      } else {
        // Re-sealed feature structure, walked the way verify walks it (one in ten such cases: the costly kind).
        if (featureTurn++ % 4 !== 0) {
          // The cheap kind in between: a raw edit of a feature section, caught by its checksum.
          const secs = directory(d.bytes).filter(
            (x) => x.kind >= SectionKind.FEATURES && x.kind <= SectionKind.ATTRIBUTE_INDEX,
          );
          const s = secs[Math.floor(r() * secs.length)];
          const b = d.bytes.slice(s.offset, s.offset + s.length);
          edit(b, 0, b.length, r);
          expect(xxhash32(b), `${what}: edited ${sectionName(s.kind)} kept its checksum`).not.toBe(
            s.checksum,
          );
          count(`${sectionName(s.kind)} raw`);
          continue;
        }
        const target = FEATURE_TARGETS[Math.floor(r() * FEATURE_TARGETS.length)];
        const b = featureMutant(d.bytes, target, r);
        if (!b) continue;
        await typedAsync(async () => {
          const rd = await FeatureIndexReader.open(new MemorySource(b), d.feature.refs);
          await rd.verifyAll();
        }, `${what} ${target}`);
        count(`feature ${target} resealed`);
      }
    }
    if (process.env.FVX_MUTANTS_TALLY) console.log(JSON.stringify(Object.fromEntries(tally)));
    const total = [...tally.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(CASES);
    // Every section kind of both demos was edited.
    for (const k of [
      "header",
      "time-values",
      "timestep-roots",
      "features",
      "feature-records",
      "feature-rtree",
    ])
      expect(tally.get(`${k} raw`), k).toBeGreaterThan(0);
    for (const t of FEATURE_TARGETS) expect(tally.get(`feature ${t} resealed`), t).toBeGreaterThan(0);
  }, 600_000);
});
