/**
 * Fuzz targets: the reader's open block and section directory, hierarchy
 * pages, brick decoding, the feature sections, catalog files, and each
 * packer input's header parser (npy, npz, VTI, NIfTI, Zarr). Readers also
 * check that a file which still reads returns exactly the clean file's data.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { zipSync } from "fflate";
import { catalogJson, parseCatalog } from "../../src/catalog/search";
import { SectionKind } from "../../src/format/constants";
import { decodePage } from "../../src/format/hierarchy";
import { decodeRoots } from "../../src/format/temporal";
import { xxhash32 } from "../../src/format/xxhash32";
import { zstdDecompressExact } from "../../src/format/zstd";
import { loadCompressor } from "../../src/format/zstd-compress";
import { FeatureIndexReader } from "../../src/index/feature-index-reader";
import { MemorySource } from "../../src/io/memory-source";
import { openDataset } from "../../src/reader";
import type { Dataset } from "../../src/reader/dataset";
import { inlineExecutor } from "../../src/worker/executor";
import { niftiVolume } from "../../src/writer/inputs/nifti";
import { parseNpyHeader } from "../../src/writer/inputs/npy-header";
import { readNpz } from "../../src/writer/inputs/npz";
import { readVtk } from "../../src/writer/inputs/vti";
import { readZarr } from "../../src/writer/inputs/zarr";
import { packDataset } from "../../src/writer/packer";
import { buildFile } from "../unit/index/helpers";
import { npy } from "../unit/inputs/npy-fixture";
import { makeSteps } from "../unit/reader/fixtures";
import { directory } from "../unit/reader/hostile";
import { Finding, type FuzzTarget } from "./engine";

const FIXTURES = fileURLToPath(new URL("../fixtures", import.meta.url));
const scratch = join(tmpdir(), `fvx-fuzz-${process.pid}`);
mkdirSync(scratch, { recursive: true });
export const cleanupFuzz = () => rmSync(scratch, { recursive: true, force: true });

// --- the packed file the reader targets mutate -----------------------------

interface Clean {
  bytes: Uint8Array;
  /** Digest of every level of every field and timestep, read in full. */
  digest: string;
  openLength: number;
  pages: { raw: Uint8Array; field: number; t: number }[];
  bricks: Uint8Array[];
  levels: Dataset["info"]["levels"];
  voxels: number;
}
let clean: Promise<Clean> | undefined;

async function digestOf(ds: Dataset): Promise<string> {
  const parts: number[] = [];
  for (let f = 0; f < ds.info.fields.length; f++)
    for (let t = 0; t < ds.info.times.length; t++)
      for (const g of ds.info.levels) {
        const a = await ds.readRegion({ field: f, t, level: g.level, box: { min: [0, 0, 0], max: g.dims } });
        parts.push(xxhash32(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)));
      }
  return parts.join(",");
}

function cleanFile(): Promise<Clean> {
  clean ??= (async () => {
    const dims: [number, number, number] = [37, 20, 9];
    const path = join(scratch, "clean.fvx");
    await packDataset(
      {
        dims,
        fields: [{ name: "s", dtype: "f32", kind: "scalar" }],
        times: [0.5, 1.5, 4],
        timeUnits: "s",
        metadata: { simulation: "fuzz" },
      },
      makeSteps(dims, "f32", "scalar", 5, "s"),
      path,
      { brickSize: 16, workers: 0 },
    );
    const bytes = new Uint8Array(readFileSync(path));
    const ds = await openDataset(new MemorySource(bytes));
    const roots = directory(bytes).find((s) => s.kind === SectionKind.TIMESTEP_ROOTS)!;
    const refs = decodeRoots(bytes.subarray(roots.offset, roots.offset + roots.length), 3, roots.offset);
    const pages = refs.map((r, t) => ({
      raw: zstdDecompressExact(bytes.subarray(r.offset, r.offset + r.length), r.rawLength, {}).slice(),
      field: 0,
      t,
    }));
    const bricks: Uint8Array[] = [];
    const e = await ds.brickEntry(0, 0, 0, [1, 0, 0]);
    if (e.length) bricks.push(bytes.slice(e.offset, e.offset + e.length));
    return {
      bytes,
      digest: await digestOf(ds),
      openLength: new DataView(bytes.buffer).getUint32(12, true),
      pages,
      bricks,
      levels: ds.info.levels,
      voxels: e.size[0] * e.size[1] * e.size[2],
    };
  })();
  return clean;
}

/** Every byte is checksummed: a mutant that still reads must read the clean data. */
async function readsSame(bytes: Uint8Array, c: Clean): Promise<void> {
  const ds = await openDataset(new MemorySource(bytes));
  const d = await digestOf(ds);
  if (d !== c.digest) throw new Finding("a damaged file read without error and returned other values");
}

const openBlock: FuzzTarget = {
  name: "open-block",
  maxBytes: 65536,
  async seeds() {
    const c = await cleanFile();
    return [c.bytes.slice(0, c.openLength)];
  },
  async run(input) {
    const c = await cleanFile();
    const file = new Uint8Array(input.length + c.bytes.length - c.openLength);
    file.set(input);
    file.set(c.bytes.subarray(c.openLength), input.length);
    await readsSame(file, c);
  },
};

const hierarchyPage: FuzzTarget = {
  name: "hierarchy-page",
  maxBytes: 65536,
  async seeds() {
    return (await cleanFile()).pages.map((p) => p.raw);
  },
  async run(input) {
    const c = await cleanFile();
    const top = c.levels.length - 1;
    decodePage(input, { field: 0, t: 0, rootLevel: top, root: [0, 0, 0] }, c.levels, 1000);
  },
};

const brick: FuzzTarget = {
  name: "brick",
  maxBytes: 1 << 16,
  async seeds() {
    return (await cleanFile()).bricks;
  },
  async run(input) {
    const c = await cleanFile();
    await inlineExecutor().decode({
      dtype: "f32",
      voxels: c.voxels,
      section: "brick",
      bytes: input.slice(),
      links: [{ encoding: 1, offset: 0, length: input.length, value: 0 }],
    });
  },
};

// --- feature sections -------------------------------------------------------

const feats = Array.from({ length: 120 }, (_, i) => ({
  id: i,
  type: i % 3 ? "spot" : "ring",
  box: {
    min: [i % 17, (i * 7) % 23, i % 5] as [number, number, number],
    max: [(i % 17) + 2, ((i * 7) % 23) + 2, (i % 5) + 1] as [number, number, number],
  },
  voxels: 1 + (i % 13),
  peak: i / 3,
  mean: 0,
  centroid: [0, 0, 0] as [number, number, number],
  timestep: i % 6,
  time: [i % 6, i % 6] as [number, number],
}));
const featureFile = buildFile(feats, [], {
  btree: { nodeCapacity: 4, headBudget: 0 },
  rtree: { nodeCapacity: 4, headBudget: 0 },
});

async function featureAnswers(source: MemorySource): Promise<string> {
  const r = await FeatureIndexReader.open(source, featureFile.refs);
  const out: unknown[] = [];
  out.push((await r.query({})).map((f) => f.id));
  out.push((await r.query({ box: { min: [0, 0, 0], max: [8, 8, 8] }, time: [1, 3] })).map((f) => f.id));
  out.push((await r.query({ where: [["voxels", ">=", 7]] })).map((f) => f.id));
  out.push(
    (await r.query({ where: [["type", "=", "ring"]], box: { min: [0, 0, 0], max: [9, 9, 9] } })).map(
      (f) => f.id,
    ),
  );
  out.push(await r.mightContain("id", 5));
  await r.verifyAll();
  return JSON.stringify(out);
}
let featureClean: Promise<string> | undefined;

const featureSections: FuzzTarget = {
  name: "feature-sections",
  maxBytes: featureFile.file.length,
  async seeds() {
    return [featureFile.file];
  },
  async run(input) {
    featureClean ??= featureAnswers(new MemorySource(featureFile.file));
    const want = await featureClean;
    const got = await featureAnswers(new MemorySource(input));
    if (got !== want) throw new Finding("a damaged feature index answered differently without an error");
  },
};

// --- catalog files ----------------------------------------------------------

const catalog: FuzzTarget = {
  name: "catalog",
  maxBytes: 16384,
  async seeds() {
    const entry = {
      url: "runs/a.fvx",
      title: "Gray–Scott",
      tags: ["pattern", "2d"],
      kind: "scalar",
      dims: [64, 64, 64],
      times: { count: 10, first: 0, last: 9, units: "s" },
      fields: [
        { name: "v", dtype: "f32", kind: "scalar", stats: { min: 0, max: 1, mean: 0.2, exact: true } },
      ],
      metadata: { a: { b: [1, 2, { c: "d" }] } },
    };
    return [new TextEncoder().encode(JSON.stringify({ version: 1, datasets: [entry, { url: "b.fvx" }] }))];
  },
  async run(input) {
    const { catalog: c } = parseCatalog(new TextDecoder().decode(input), "fuzz.json");
    catalogJson(c);
  },
};

// --- packer input headers ---------------------------------------------------

let fileNo = 0;
function scratchFile(name: string, bytes: Uint8Array): string {
  const dir = join(scratch, String(fileNo++ % 64));
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

const npySeed = () => npy({ code: "f4", shape: [2, 3, 4], values: Array.from({ length: 24 }, (_, i) => i) });

const npyHeader: FuzzTarget = {
  name: "npy-header",
  maxBytes: 4096,
  async seeds() {
    return [
      npySeed().subarray(0, 128).slice(),
      npy({ code: "u2", shape: [5], values: [1, 2, 3, 4, 5], version: 2 }),
    ];
  },
  async run(input) {
    parseNpyHeader(input, "fuzz.npy");
  },
};

const npz: FuzzTarget = {
  name: "npz",
  maxBytes: 8192,
  async seeds() {
    return [zipSync({ "data.npy": npySeed() }, { level: 0 }), zipSync({ "a.npy": npySeed() }, { level: 6 })];
  },
  async run(input) {
    await readNpz([scratchFile("x.npz", input)]);
  },
};

const vti: FuzzTarget = {
  name: "vti",
  maxBytes: 16384,
  async seeds() {
    return ["ascii.vti", "binary.vti", "appended-raw.vti", "binary-zlib.vti"].map(
      (f) => new Uint8Array(readFileSync(join(FIXTURES, "vti", f))),
    );
  },
  async run(input) {
    await readVtk([scratchFile("x.vti", input)]);
  },
};

const nifti: FuzzTarget = {
  name: "nifti",
  maxBytes: 8192,
  async seeds() {
    return ["bold.nii", "nifti2.nii"].map((f) => new Uint8Array(readFileSync(join(FIXTURES, "nifti", f))));
  },
  async run(input) {
    await niftiVolume(scratchFile("x.nii", input));
  },
};

const zarr: FuzzTarget = {
  name: "zarr",
  maxBytes: 4096,
  async seeds() {
    const meta = {
      zarr_format: 2,
      shape: [4, 4, 4],
      chunks: [2, 4, 4],
      dtype: "<u2",
      compressor: null,
      fill_value: 0,
      order: "C",
      filters: null,
    };
    return [new TextEncoder().encode(JSON.stringify(meta))];
  },
  async run(input) {
    const dir = join(scratch, `z${fileNo++ % 64}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, ".zarray"), input);
    await readZarr([dir]);
  },
};

export const TARGETS: FuzzTarget[] = [
  openBlock,
  hierarchyPage,
  brick,
  featureSections,
  catalog,
  npyHeader,
  npz,
  vti,
  nifti,
  zarr,
];

/** Warm the shared fixtures (packing, compressor) before timing anything. */
export async function prepare(): Promise<void> {
  await loadCompressor();
  await cleanFile();
}
