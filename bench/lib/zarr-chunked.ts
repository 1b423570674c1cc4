/**
 * Writes one field of a .fvx dataset as a plain (unsharded) Zarr v3 array
 * [T, nz, ny, nx] with chunks [ct, c, c, c], codecs bytes(little) + zstd
 * (level 1, as the packer), chunk keys `c/<t>/<z>/<y>/<x>`; edge chunks padded
 * with 0. Holds `ct` timesteps of the field at once (a bench-size grid).
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadCompressor } from "../../src/format/zstd-compress";
import type { Dataset } from "../../src/reader";
import { allocTyped, asBytes, type DType } from "../../src/shared/types";

const ZARR_DTYPE: Record<DType, string> = {
  u8: "uint8",
  u16: "uint16",
  i16: "int16",
  u32: "uint32",
  f32: "float32",
};

export async function writeChunkedZarr(
  ds: Dataset,
  field: number,
  dir: string,
  ct: number,
  c: number,
): Promise<{ chunks: number; bytes: number }> {
  const { compress } = await loadCompressor();
  const [nx, ny, nz] = ds.info.dims;
  const T = ds.info.times.length;
  const dtype = ds.info.fields[field].dtype;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "zarr.json"),
    JSON.stringify({
      zarr_format: 3,
      node_type: "array",
      shape: [T, nz, ny, nx],
      data_type: ZARR_DTYPE[dtype],
      chunk_grid: { name: "regular", configuration: { chunk_shape: [ct, c, c, c] } },
      chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
      fill_value: 0,
      codecs: [
        { name: "bytes", configuration: { endian: "little" } },
        { name: "zstd", configuration: { level: 1, checksum: false } },
      ],
    }),
  );
  let chunks = 0;
  let bytes = 0;
  for (let t0 = 0; t0 < T; t0 += ct) {
    const steps = [];
    for (let t = t0; t < Math.min(T, t0 + ct); t++)
      steps.push(await ds.readRegion({ field, t, box: { min: [0, 0, 0], max: [nx, ny, nz] } }));
    for (let z0 = 0; z0 < nz; z0 += c)
      for (let y0 = 0; y0 < ny; y0 += c)
        for (let x0 = 0; x0 < nx; x0 += c) {
          const out = allocTyped(dtype, ct * c * c * c);
          steps.forEach((v, tl) => {
            for (let z = z0; z < Math.min(nz, z0 + c); z++)
              for (let y = y0; y < Math.min(ny, y0 + c); y++)
                for (let x = x0; x < Math.min(nx, x0 + c); x++)
                  out[((tl * c + z - z0) * c + y - y0) * c + x - x0] = v[x + nx * (y + ny * z)];
          });
          const stored = compress(asBytes(out), 1);
          const d = join(dir, "c", String(t0 / ct), String(z0 / c), String(y0 / c));
          mkdirSync(d, { recursive: true });
          writeFileSync(join(d, String(x0 / c)), stored);
          chunks++;
          bytes += stored.length;
        }
  }
  return { chunks, bytes };
}
