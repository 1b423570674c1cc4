/**
 * Writer side: features + tracks → the four feature sections (directory,
 * records, R-tree, attribute indices), ready for the packer's extraSections.
 */
import type { ExtraSection } from "../format/extra-section";
import type { BTreeBuildOptions } from "./btree-writer";
import { buildAttributeIndex } from "./btree-writer";
import { ByteWriter } from "./bytes";
import { checksum } from "./checksum";
import { TRACK_DIR_PAGE, writeFeatureDir } from "./feature-dir";
import { type PropKinds, writeFeatureRecord, writeTrackRecord } from "./feature-records";
import type { Feature, FeatureInstance, PropValue, Track } from "./feature-types";
import { type KeyType, normalizeValue } from "./key-codec";
import { buildRTree, extentOf, packingOrder, type RTreeBuildOptions } from "./rtree-writer";
import { FEATURE_SECTION_KINDS } from "./section-kinds";

export interface IndexSpec {
  /** Property (or field: id, type, track, timestep, t0, t1). */
  name: string;
  type: KeyType;
  /** Build a bloom filter over the distinct values. */
  bloom?: boolean;
}

export const DEFAULT_INDICES: IndexSpec[] = [
  { name: "id", type: "f64", bloom: true },
  { name: "type", type: "string", bloom: true },
  { name: "voxels", type: "u32" },
  { name: "peak", type: "f64" },
];

export interface FeatureSectionOptions {
  indices?: IndexSpec[];
  rtree?: RTreeBuildOptions;
  btree?: BTreeBuildOptions;
}

export interface FeatureSections {
  dir: Uint8Array;
  records: Uint8Array;
  rtree: Uint8Array;
  attrs: Uint8Array;
}

/** Value of a field or property as used by indices and where-conditions. */
export function featureValue(f: Feature, name: string): PropValue {
  switch (name) {
    case "id":
      return f.id;
    case "type":
      return f.type;
    case "track":
      return f.track < 0 ? null : f.track;
    case "timestep":
      return f.timestep < 0 ? null : f.timestep;
    case "t0":
      return f.time[0];
    case "t1":
      return f.time[1];
    default:
      return f.properties[name] ?? null;
  }
}

const FIELDS = new Set(["id", "type", "track", "timestep", "t0", "t1"]);

/** A FeatureInstance as a stored feature (derived values become properties). */
export function toFeature(f: FeatureInstance): Feature {
  const t = f.time ?? (f.timestep !== undefined ? [f.timestep, f.timestep] : [0, 0]);
  return {
    id: f.id,
    type: f.type,
    box: { min: [...f.box.min], max: [...f.box.max] },
    time: [t[0], t[1]],
    timestep: f.timestep ?? -1,
    track: f.track ?? -1,
    properties: {
      voxels: f.voxels,
      peak: f.peak,
      mean: f.mean,
      cx: f.centroid[0],
      cy: f.centroid[1],
      cz: f.centroid[2],
      ...(f.properties ?? {}),
    },
  };
}

export function buildFeatureSectionBlobs(
  instances: FeatureInstance[],
  tracks: Track[],
  opts: FeatureSectionOptions = {},
): FeatureSections {
  const specs = opts.indices ?? DEFAULT_INDICES;
  const kinds: PropKinds = {};
  for (const s of specs) if (!FIELDS.has(s.name)) kinds[s.name] = s.type;
  const feats = instances.map(toFeature);
  // Indexed properties are stored normalized so post-filters and indices agree.
  for (const f of feats) {
    for (const s of specs) {
      if (FIELDS.has(s.name) || !(s.name in f.properties)) continue;
      f.properties[s.name] = normalizeValue(
        s.type,
        f.properties[s.name],
        `feature ${f.id} property ${s.name}`,
      );
    }
  }
  const items = feats.map((f) => ({ min: f.box.min, max: f.box.max, t0: f.time[0], t1: f.time[1] }));
  const order = packingOrder(items, opts.rtree);

  // Records in packing order.
  const rec = new ByteWriter(1 << 16);
  const refA = new Uint32Array(feats.length);
  const refB = new Uint32Array(feats.length);
  const refById = new Map<number, { a: number; b: number }>();
  order.forEach((i, k) => {
    const r = writeFeatureRecord(rec, feats[i], kinds);
    refA[k] = r.a;
    refB[k] = r.b;
    refById.set(feats[i].id, r);
  });
  rec.pad(8);
  const featuresLength = rec.length;
  const tracksOffset = rec.length;
  const trackRefs = tracks.map((t) =>
    writeTrackRecord(
      rec,
      t,
      t.trajectory.map((p) => refById.get(p.feature) ?? { a: 0, b: 0 }),
    ),
  );
  rec.pad(8);
  const tracksLength = rec.length - tracksOffset;
  const trackDirOffset = rec.length;
  for (let p = 0; p * TRACK_DIR_PAGE < trackRefs.length; p++) {
    const start = rec.length;
    rec.u32(0);
    for (const r of trackRefs.slice(p * TRACK_DIR_PAGE, (p + 1) * TRACK_DIR_PAGE)) {
      rec.u32(r.a);
      rec.u32(r.b);
    }
    rec.setU32(start, checksum(rec.peek(), start + 4, rec.length));
  }
  const records = rec.finish();

  const rtree = buildRTree(
    order.map((i) => items[i]),
    refA,
    refB,
    opts.rtree,
  );

  // Attribute indices, concatenated 8-byte aligned.
  const attrs = new ByteWriter(1 << 16);
  const indices = specs.map((s) => {
    const values = order.map((i) => {
      const v = featureValue(feats[i], s.name);
      return FIELDS.has(s.name) && v !== null
        ? normalizeValue(s.type, v, `feature ${feats[i].id} field ${s.name}`)
        : v;
    });
    const blob = buildAttributeIndex(s.name, s.type, values, refA, refB, { ...opts.btree, bloom: s.bloom });
    attrs.pad(8);
    const offset = attrs.length;
    attrs.bytes(blob);
    const headLength = new DataView(blob.buffer).getUint32(16, true);
    return { name: s.name, type: s.type, offset, length: blob.length, headLength };
  });

  const extent = extentOf(
    feats.map((f) => ({ min: f.box.min, max: f.box.max, t0: f.time[0], t1: f.time[1] })),
  );
  const dir = writeFeatureDir({
    featureCount: feats.length,
    trackCount: tracks.length,
    featuresLength,
    tracksOffset,
    tracksLength,
    trackDirOffset,
    rtreeHeadLength: new DataView(rtree.buffer).getUint32(rtreeHeadLengthAt(rtree), true),
    extent,
    avgRecordLength: feats.length ? featuresLength / feats.length : 0,
    indices,
  });
  return { dir, records, rtree, attrs: attrs.finish() };
}

/** Offset of the R-tree header's headLength field (after the level table and extent). */
function rtreeHeadLengthAt(rtree: Uint8Array): number {
  const L = new DataView(rtree.buffer).getUint16(16, true);
  return 20 + L * 12 + 64 + 4;
}

/** The feature sections as packer extra sections (kind codes: SectionKind in src/format/constants.ts). */
export function buildFeatureSections(
  instances: FeatureInstance[],
  tracks: Track[],
  opts: FeatureSectionOptions = {},
): ExtraSection[] {
  const b = buildFeatureSectionBlobs(instances, tracks, opts);
  const k = FEATURE_SECTION_KINDS;
  return [
    { kind: k.dir, bytes: b.dir },
    { kind: k.records, bytes: b.records },
    { kind: k.rtree, bytes: b.rtree },
    { kind: k.attrs, bytes: b.attrs },
  ];
}
