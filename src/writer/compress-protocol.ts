/** What crosses the boundary to a packer encoding worker (compress-worker.ts). */
import type { Implementation } from "../core/core";
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

export interface CompressApi {
  /** Set the zstd level and load the kernels (once, before any job); answers which kernels run. */
  init(level: number, kernels: Implementation | undefined): Promise<Implementation>;
  encode(m: EncodeMessage): Promise<EncodeReply>;
}
