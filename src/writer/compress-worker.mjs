// Compression worker for the packer: zstd-compresses transferred buffers off the main thread.
// Plain JavaScript so it starts under any loader (tsx, vitest, plain node).
import { createRequire } from "node:module";
import { parentPort } from "node:worker_threads";

const require = createRequire(import.meta.url);
const napi = require("zstd-napi");
const cctx = new napi.Compressor();
let level = -1000;

parentPort.on("message", (job) => {
  if (job.level !== level) {
    cctx.setParameters({ compressionLevel: job.level, contentSizeFlag: true, checksumFlag: false });
    level = job.level;
  }
  const out = cctx.compress(new Uint8Array(job.buf, 0, job.length));
  // Copy into an exactly sized transferable buffer (the Buffer may share a pool).
  const copy = new Uint8Array(out.length);
  copy.set(out);
  parentPort.postMessage({ id: job.id, out: copy.buffer, input: job.buf }, [copy.buffer, job.buf]);
});
