// Encoding worker for the packer: delta gate, shuffle, zstd and checksum of
// transferred brick buffers, off the main thread. The input buffers go back
// with the result for reuse. Plain JavaScript so it starts under any loader
// (tsx, vitest, plain node).
import { createRequire } from "node:module";
import { parentPort } from "node:worker_threads";
import { encodeBrick } from "./brick-job.mjs";

const require = createRequire(import.meta.url);
const binding = require("zstd-napi/binding");
const cctx = new binding.CCtx();
let level = -1000;
let dst = new Uint8Array(0);

/** zstd into a reused buffer (encodeBrick copies what it keeps). Same parameters as the inline compressor. */
function compress(bytes) {
  const bound = binding.compressBound(bytes.length);
  if (dst.length < bound) dst = new Uint8Array(bound);
  return dst.subarray(0, cctx.compress2(dst, bytes));
}

parentPort.on("message", (job) => {
  const transfer = [job.cur];
  if (job.ref) transfer.push(job.ref);
  try {
    if (job.level !== level) {
      cctx.setParameter(binding.CParameter.compressionLevel, job.level);
      cctx.setParameter(binding.CParameter.contentSizeFlag, 1);
      cctx.setParameter(binding.CParameter.checksumFlag, 0);
      level = job.level;
    }
    const r = encodeBrick(
      {
        cur: new Uint8Array(job.cur, 0, job.length),
        ref: job.ref ? new Uint8Array(job.ref, 0, job.length) : undefined,
        size: job.size,
        keepRatio: job.keepRatio,
        keepPlain: job.keepPlain,
      },
      compress,
    );
    transfer.push(r.stored.buffer);
    if (r.plain) transfer.push(r.plain.stored.buffer);
    parentPort.postMessage(
      {
        id: job.id,
        stored: r.stored.buffer,
        encoding: r.encoding,
        checksum: r.checksum,
        plain: r.plain?.stored.buffer,
        plainChecksum: r.plain?.checksum,
        cur: job.cur,
        ref: job.ref,
      },
      transfer,
    );
  } catch (e) {
    parentPort.postMessage(
      { id: job.id, error: String(e?.stack ?? e), cur: job.cur, ref: job.ref },
      transfer,
    );
  }
});
