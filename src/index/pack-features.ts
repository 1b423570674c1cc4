/**
 * Features while packing: the packer hands every timestep to a collector,
 * which extracts connected regions of one field (above a threshold, or of
 * chosen materials) and tracks them as it goes, so only the previous
 * timestep's labels are held. At the end the collector yields the feature
 * sections, with the small directory flagged for the open block.
 */

import { loadedBloom } from "../core/bloom";
import type { ExtraSection } from "../format/extra-section";
import { FlatvoxError } from "../shared/errors";
import type { TypedArray, Vec3 } from "../shared/types";
import type { DatasetSpec, TimestepData } from "../writer/pack-types";
import { buildFeatureSections, DEFAULT_INDICES, type IndexSpec } from "./feature-sections";
import { FeatureTracker } from "./feature-tracker";
import type { FeatureInstance, Track } from "./feature-types";
import type { PackFeatureOptions } from "./pack-feature-options";

export type { PackFeatureOptions };

/** Indices the packer builds by default: the library defaults plus track and timestep lookups. */
export const PACK_INDICES: IndexSpec[] = [
  ...DEFAULT_INDICES,
  { name: "track", type: "u32" },
  { name: "timestep", type: "u32" },
];

export interface FeatureCollector {
  /** Extract and track the features of one timestep (in order). */
  push(step: TimestepData): void;
  /** Feature sections for the packer (the directory prefers the open block). */
  sections(): ExtraSection[];
  /** Features and tracks so far. */
  readonly counts: { features: number; tracks: number };
}

export function createFeatureCollector(spec: DatasetSpec, opts: PackFeatureOptions): FeatureCollector {
  const indices = opts.indices ?? PACK_INDICES;
  // Bloom filters are hashed and filled by the SIMD WASM core once it has loaded (it starts loading now).
  loadedBloom();
  const layout = () => ({
    ...opts.layout,
    btree: { ...opts.layout?.btree, bloomKernels: loadedBloom() },
    indices,
  });
  if (opts.instances) {
    const instances = opts.instances;
    return {
      push() {},
      sections: () => markDirectory(buildFeatureSections(instances, [], layout())),
      counts: { features: instances.length, tracks: 0 },
    };
  }
  const field = opts.field ? spec.fields.find((f) => f.name === opts.field) : spec.fields[0];
  if (!field) throw new FlatvoxError("InputError", `features: no field named ${JSON.stringify(opts.field)}`);
  const categorical = field.kind === "categorical";
  if (categorical ? !opts.materials?.length : opts.threshold === undefined) {
    throw new FlatvoxError(
      "InputError",
      categorical
        ? `features: field ${field.name} is categorical; give the materials that form features`
        : `features: field ${field.name} is scalar; give a threshold`,
    );
  }
  if (!categorical && !Number.isFinite(opts.threshold))
    throw new FlatvoxError("InputError", `features: threshold must be a finite number`);
  const tracker = new FeatureTracker();
  const minVoxels = opts.minVoxels ?? 8;
  const counts = { features: 0, tracks: 0 };
  let result: { instances: FeatureInstance[]; tracks: Track[] } | undefined;
  return {
    push(step: TimestepData) {
      const data = step.fields[field.name] as TypedArray;
      const got = categorical
        ? tracker.push(step.index, spec.times[step.index], data, spec.dims as Vec3, {
            materials: opts.materials,
            minVoxels,
          })
        : tracker.push(step.index, spec.times[step.index], data, spec.dims as Vec3, {
            threshold: opts.threshold,
            minVoxels,
            type: opts.type ?? "region",
          });
      counts.features += got.length;
    },
    sections() {
      result ??= tracker.finish();
      counts.tracks = result.tracks.length;
      // Material names replace "material:<id>" only now: the tracker matches instances by type.
      const names = opts.materialNames;
      if (categorical && names) {
        const rename = (type: string) => names[Number(type.slice("material:".length))] ?? type;
        for (const f of result.instances) f.type = rename(f.type);
        for (const t of result.tracks) t.type = rename(t.type);
      }
      return markDirectory(buildFeatureSections(result.instances, result.tracks, layout()));
    },
    counts,
  };
}

function markDirectory(sections: ExtraSection[]): ExtraSection[] {
  return sections.map((s, i) => (i === 0 ? { ...s, openBlock: true } : s));
}
