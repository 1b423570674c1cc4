import type { FeatureSectionRefs } from "../../../src/index/feature-index-reader";
import { buildFeatureSectionBlobs, type FeatureSectionOptions } from "../../../src/index/feature-sections";
import type { FeatureInstance, Track } from "../../../src/index/feature-types";
import type { ByteSource, ReadOptions } from "../../../src/io/byte-source";
import { MemorySource } from "../../../src/io/memory-source";

/** Counts getBytes calls and bytes; optional fixed latency per call. */
export class CountingSource implements ByteSource {
  calls = 0;
  bytes = 0;
  log: [number, number][] = [];
  constructor(
    readonly inner: ByteSource,
    private readonly latencyMs = 0,
  ) {}
  get id() {
    return this.inner.id;
  }
  get size() {
    return this.inner.size;
  }
  async getBytes(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    this.calls++;
    this.bytes += length;
    this.log.push([offset, length]);
    if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
    return this.inner.getBytes(offset, length, options);
  }
  reset(): void {
    this.calls = 0;
    this.bytes = 0;
    this.log = [];
  }
}

import { mulberry32 as rng } from "../../../src/demo/prng";

export { rng };

/** Lay the four sections out in one "file" (with a prefix so offsets are non-zero). */
export function layoutFile(blobs: {
  dir: Uint8Array;
  records: Uint8Array;
  rtree: Uint8Array;
  attrs: Uint8Array;
}) {
  const order = ["dir", "rtree", "attrs", "records"] as const;
  let pos = 1000;
  const refs = {} as FeatureSectionRefs;
  for (const k of order) {
    refs[k] = { offset: pos, length: blobs[k].length };
    pos += blobs[k].length + 24;
  }
  const file = new Uint8Array(pos);
  for (const k of order) file.set(blobs[k], refs[k].offset);
  return { file, refs };
}

export function buildFile(instances: FeatureInstance[], tracks: Track[], opts?: FeatureSectionOptions) {
  const blobs = buildFeatureSectionBlobs(instances, tracks, opts);
  const { file, refs } = layoutFile(blobs);
  return { file, refs, blobs, source: new CountingSource(new MemorySource(file, "memory:features")) };
}
