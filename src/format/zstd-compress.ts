/**
 * zstd compression for the writer (Node only). Native zstd-napi when its
 * binary loads; otherwise the WASM build of @bokuweb/zstd-wasm. Frames always
 * carry their content size, which readers require.
 */
import { createRequire } from "node:module";

export type Compress = (data: Uint8Array, level: number) => Uint8Array;

let compressor: { name: string; compress: Compress } | undefined;

export async function loadCompressor(
  prefer: "native" | "wasm" = "native",
): Promise<{ name: string; compress: Compress }> {
  if (compressor && (prefer === "wasm") === (compressor.name === "wasm")) return compressor;
  if (prefer === "native") {
    try {
      const require = createRequire(import.meta.url);
      const napi = require("zstd-napi") as typeof import("zstd-napi");
      const cctx = new napi.Compressor();
      let level = -1000;
      const compress: Compress = (data, lvl) => {
        if (lvl !== level) {
          cctx.setParameters({ compressionLevel: lvl, contentSizeFlag: true, checksumFlag: false });
          level = lvl;
        }
        return cctx.compress(data);
      };
      compressor = { name: "native", compress };
      return compressor;
    } catch {
      // fall through to WASM
    }
  }
  const mod = await import("@bokuweb/zstd-wasm");
  await mod.init();
  compressor = { name: "wasm", compress: (data, lvl) => mod.compress(data, lvl) };
  return compressor;
}
