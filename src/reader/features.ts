/**
 * Feature queries on an open dataset: the feature sections (directory,
 * records, R-tree, attribute indices; docs/FORMAT.md §14) read piecemeal
 * through the dataset's byte source. The directory usually lies in the open
 * block, so the first query costs only index and record reads.
 *
 * Units: boxes are level-0 voxel boxes (half-open), times are the dataset's
 * time values (`ds.info.times`), not timestep indices.
 */
import { SectionKind } from "../format/constants";
import { type Explain, FeatureIndexReader, type WhereCondition } from "../index/feature-index-reader";
import type { Feature, FeatureBox, Track } from "../index/feature-types";
import type { KeyType } from "../index/key-codec";
import { FlatvoxError, throwIfAborted } from "../shared/errors";
import type { CallOptions, SectionAccess } from "./dataset-types";

export type { Explain, Feature, Track, WhereCondition };

export interface DatasetFeatureQuery {
  /** Level-0 voxel box, half-open; features whose box overlaps it match. */
  box?: FeatureBox;
  /** Closed interval of time values; features whose [t0, t1] touches it match. */
  time?: [number, number];
  /** Conditions [property, op, value], all of which must hold; op is one of = != > < >= <=. */
  where?: WhereCondition[];
  /** At most this many features. */
  limit?: number;
  signal?: AbortSignal;
}

export interface FeatureSummary {
  features: number;
  tracks: number;
  indices: { name: string; type: KeyType }[];
  /** Union of all feature boxes (level-0 voxels) and the covered time range. */
  extent: { min: number[]; max: number[]; t0: number; t1: number };
}

/** Lazily opened feature index of one dataset. */
export class DatasetFeatures {
  private reader?: Promise<FeatureIndexReader>;

  constructor(private readonly ds: SectionAccess) {}

  /** True when the file carries feature sections. */
  get available(): boolean {
    return this.ds.section(SectionKind.FEATURES) !== undefined;
  }

  /** The index reader; the directory is read (or taken from the open block) once. */
  open(signal?: AbortSignal): Promise<FeatureIndexReader> {
    if (!this.reader) {
      const p = this.load(signal);
      this.reader = p;
      p.catch(() => {
        if (this.reader === p) this.reader = undefined;
      });
    }
    return this.reader;
  }

  private async load(signal?: AbortSignal): Promise<FeatureIndexReader> {
    const ds = this.ds;
    const dir = ds.section(SectionKind.FEATURES);
    if (!dir) {
      throw new FlatvoxError("QueryError", "this dataset has no features (no feature sections in the file)", {
        section: "features",
      });
    }
    const part = (kind: number, name: string) => {
      const s = ds.section(kind);
      if (!s) {
        throw new FlatvoxError(
          "FormatError",
          `feature directory present but the ${name} section is missing`,
          {
            section: name,
          },
        );
      }
      if (s.compressed) {
        throw new FlatvoxError("FormatError", `${name} must not be compressed (it is read piecemeal)`, {
          section: name,
          offset: s.offset,
        });
      }
      return { offset: s.offset, length: s.length };
    };
    const refs = {
      dir: { offset: dir.offset, length: dir.length },
      records: part(SectionKind.FEATURE_RECORDS, "feature-records"),
      rtree: part(SectionKind.FEATURE_RTREE, "feature-rtree"),
      attrs: part(SectionKind.ATTRIBUTE_INDEX, "attribute-index"),
    };
    // Verified against the directory checksum; no request when it lies in the open block.
    const dirBytes = await ds.readSection(SectionKind.FEATURES, { signal });
    return FeatureIndexReader.open(ds.source, refs, { dirBytes, signal });
  }

  async summary(opts: CallOptions = {}): Promise<FeatureSummary> {
    const r = await this.open(opts.signal);
    return {
      features: r.dir.featureCount,
      tracks: r.dir.trackCount,
      indices: r.indices,
      extent: r.dir.extent,
    };
  }

  async query(q: DatasetFeatureQuery, opts: CallOptions = {}): Promise<Feature[]> {
    const signal = q.signal ?? opts.signal;
    throwIfAborted(signal);
    return (await this.open(signal)).query({ ...q, signal });
  }

  async explain(q: DatasetFeatureQuery, opts: CallOptions = {}): Promise<Explain> {
    const signal = q.signal ?? opts.signal;
    throwIfAborted(signal);
    return (await this.open(signal)).explain({ ...q, signal });
  }

  async track(id: number, opts: CallOptions = {}): Promise<(Track & { features: Feature[] }) | undefined> {
    throwIfAborted(opts.signal);
    return (await this.open(opts.signal)).track(id, opts.signal);
  }
}
