/** What crosses the boundary to a packer encoding worker (compress-worker.ts). */
import type { Implementation } from "../core/core";
import type { DType, Vec3 } from "../shared/types";
import type { Envelope } from "../worker/protocol";
import type { EncodedBrick } from "./brick-job";

/** A brick job with its buffers (transferred; views start at 0 and hold `length` bytes). */
export interface EncodeMessage {
  cur: ArrayBuffer;
  ref?: ArrayBuffer;
  length: number;
  size: number;
  keepRatio: number;
  keepPlain?: boolean;
}

/** The result, and the input buffers handed back for reuse whether or not encoding failed. */
export interface EncodeReply {
  result: Envelope<EncodedBrick>;
  cur: ArrayBuffer;
  ref?: ArrayBuffer;
}

/** A 2×2×2 downsample job: `src` (transferred, view from 0) holds the x-fastest values of `dims`. */
export interface DownsampleMessage {
  src: ArrayBuffer;
  dims: Vec3;
  dtype: DType;
  kind: "mean" | "mode";
}

/** The downsampled values (a fresh buffer of exactly their bytes) and `src` handed back for reuse. */
export interface DownsampleReply {
  result: Envelope<ArrayBuffer>;
  src: ArrayBuffer;
}

export interface CompressApi {
  /** Set the zstd level and load the kernels (once, before any job); answers which kernels run. */
  init(level: number, kernels: Implementation | undefined): Promise<Implementation>;
  encode(m: EncodeMessage): Promise<EncodeReply>;
  downsample(m: DownsampleMessage): Promise<DownsampleReply>;
}
