/**
 * The clip box at the current timestep, exported as NumPy `.npy` (shape
 * [nz, ny, nx]) or CSV: the same values `readRegion` returns for that box
 * (full resolution, only the bricks it crosses), written by the library's
 * npy/CSV writer (src/shared/npy-write.ts) that `flatvox extract` uses too.
 */
import { FlatvoxError } from "../../shared/errors";
import { boxCsv, boxNpy, CSV_MAX_VOXELS } from "../../shared/npy-write";
import type { Vec3 } from "../../shared/types";
import { bytesPerValue } from "../../shared/types";
import type { ViewerDataset } from "../data/viewer-types";

/** Largest box exported from the page (bytes of values): larger ones go through `flatvox extract`. */
export const EXPORT_MAX_BYTES = 512 * 2 ** 20;

/** The level-0 voxel box (half-open) a normalized clip box covers: every voxel it touches. */
export function clipVoxelBox(clip: { min: Vec3; max: Vec3 }, dims: Vec3): { min: Vec3; max: Vec3 } {
  const min = clip.min.map((v, i) => Math.min(dims[i] - 1, Math.max(0, Math.floor(v * dims[i])))) as Vec3;
  const max = clip.max.map((v, i) => Math.max(min[i] + 1, Math.min(dims[i], Math.ceil(v * dims[i])))) as Vec3;
  return { min, max };
}

export interface RegionExport {
  bytes: Uint8Array | string;
  name: string;
  voxels: number;
  box: { min: Vec3; max: Vec3 };
}

export async function exportClipBox(
  ds: ViewerDataset,
  field: string,
  t: number,
  clip: { min: Vec3; max: Vec3 },
  format: "npy" | "csv",
  signal?: AbortSignal,
): Promise<RegionExport> {
  const f = ds.info.fields.find((x) => x.name === field);
  if (!f) throw new FlatvoxError("QueryError", `no field "${field}"`);
  if (!ds.readRegion) throw new FlatvoxError("QueryError", "this dataset cannot read regions");
  const box = clipVoxelBox(clip, ds.info.dims);
  const size = box.max.map((v, i) => v - box.min[i]) as Vec3;
  const voxels = size[0] * size[1] * size[2];
  if (format === "csv" && voxels > CSV_MAX_VOXELS)
    throw new FlatvoxError(
      "LimitError",
      `the clip box holds ${voxels} voxels; CSV export is limited to ${CSV_MAX_VOXELS}: export .npy or make the box smaller`,
    );
  if (voxels * bytesPerValue(f.dtype) > EXPORT_MAX_BYTES)
    throw new FlatvoxError(
      "LimitError",
      `the clip box holds ${voxels} voxels (${((voxels * bytesPerValue(f.dtype)) / 2 ** 20).toFixed(0)} MiB); the page exports up to ${EXPORT_MAX_BYTES / 2 ** 20} MiB: use flatvox extract`,
    );
  const data = await ds.readRegion(field, t, box, signal);
  const base = (ds.url.split("/").pop() ?? "region").replace(/\.fvx$/i, "").replace(/[^\w.-]+/g, "_");
  const tag = `${base}-${field}-t${t}-${box.min.join("_")}-${box.max.join("_")}`;
  return format === "npy"
    ? { bytes: boxNpy(data, f.dtype, size), name: `${tag}.npy`, voxels, box }
    : { bytes: boxCsv(data, box.min, size, field), name: `${tag}.csv`, voxels, box };
}
