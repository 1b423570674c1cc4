/**
 * Packer encoding worker (a Node worker thread, started like the decode
 * workers through src/worker/node-bootstrap.mjs): delta gate, shuffle, zstd
 * and checksum of transferred brick buffers, exposed through Comlink. The
 * shuffle and checksum run on this thread's own WASM core (JS twins where
 * WebAssembly is missing). The
 * input buffers go back with the result for reuse; errors cross as envelopes.
 */
import { createRequire } from "node:module";
import { type Endpoint, expose, transfer } from "comlink";
import { type ByteFilters, createByteFilters } from "../core/byte-filters";
import { bytesPerValue, viewTyped } from "../shared/types";
import { type Envelope, serializeError } from "../worker/protocol";
import { workerEndpoint } from "../worker/worker-endpoint";
import type { EncodedBrick } from "./brick-job";
import { downsampleToBuffer, encodeBrick } from "./brick-job";
import type {
  CompressApi,
  DownsampleMessage,
  DownsampleReply,
  EncodeMessage,
  EncodeReply,
} from "./compress-protocol";

interface ZstdBinding {
  CCtx: new () => {
    setParameter(p: number, v: number): void;
    compress2(dst: Uint8Array, src: Uint8Array): number;
  };
  CParameter: { compressionLevel: number; contentSizeFlag: number; checksumFlag: number };
  compressBound(n: number): number;
}

const binding = createRequire(import.meta.url)("zstd-napi/binding") as ZstdBinding;
const cctx = new binding.CCtx();
let dst = new Uint8Array(0);

/** zstd into a reused buffer (encodeBrick copies what it keeps). Same parameters as the inline compressor. */
function compress(bytes: Uint8Array): Uint8Array {
  const bound = binding.compressBound(bytes.length);
  if (dst.length < bound) dst = new Uint8Array(bound);
  return dst.subarray(0, cctx.compress2(dst, bytes));
}

let filters: ByteFilters | undefined;

const api: CompressApi = {
  async init(level, kernels) {
    filters = await createByteFilters({ implementation: kernels });
    cctx.setParameter(binding.CParameter.compressionLevel, level);
    cctx.setParameter(binding.CParameter.contentSizeFlag, 1);
    cctx.setParameter(binding.CParameter.checksumFlag, 0);
    return filters.implementation;
  },
  async encode(m: EncodeMessage): Promise<EncodeReply> {
    const back: ArrayBuffer[] = [m.cur];
    if (m.ref) back.push(m.ref);
    let result: Envelope<EncodedBrick>;
    try {
      const e = encodeBrick(
        {
          cur: new Uint8Array(m.cur, 0, m.length),
          ref: m.ref ? new Uint8Array(m.ref, 0, m.length) : undefined,
          size: m.size,
          keepRatio: m.keepRatio,
          keepPlain: m.keepPlain,
        },
        compress,
        filters,
      );
      back.push(e.stored.buffer as ArrayBuffer);
      if (e.plain) back.push(e.plain.stored.buffer as ArrayBuffer);
      result = { ok: true, value: e };
    } catch (e) {
      result = { ok: false, error: serializeError(e) };
    }
    return transfer({ result, cur: m.cur, ref: m.ref }, back);
  },
  async downsample(m: DownsampleMessage): Promise<DownsampleReply> {
    let result: Envelope<ArrayBuffer>;
    const back: ArrayBuffer[] = [m.src];
    try {
      if (!filters) throw new Error("downsample before init");
      const n = m.dims[0] * m.dims[1] * m.dims[2];
      const bpv = bytesPerValue(m.dtype);
      // At most the buffer's values (a short one fails the length check, typed).
      const len = Math.min(n, Math.floor(m.src.byteLength / bpv)) * bpv;
      const src = viewTyped(m.dtype, new Uint8Array(m.src, 0, len));
      const out = downsampleToBuffer(filters, src, m.dims, m.dtype, m.kind);
      back.push(out);
      result = { ok: true, value: out };
    } catch (e) {
      result = { ok: false, error: serializeError(e) };
    }
    return transfer({ result, src: m.src }, back);
  },
};

function start(ep: Endpoint): void {
  expose(api, ep);
}

const ep = workerEndpoint();
if (ep instanceof Promise) ep.then(start);
else start(ep);
