/**
 * Reads one slice at full resolution: a 1-voxel-thick level-0 box, so only
 * the bricks the plane crosses are fetched (one brick layer, never the
 * volume). Reports what it cost: the stored bytes of the bricks it needed
 * (from the index, uniform bricks cost nothing) and the bytes and requests
 * the transport saw while it ran.
 */
import type { TypedArray, Vec3 } from "../../shared/types";
import { brickValues, type ViewerDataset } from "../data/viewer-types";
import { type PaneAxes, sliceBox, sliceBricks } from "./slice-geometry";

export interface SliceImage {
  field: string;
  t: number;
  pane: PaneAxes["name"];
  index: number;
  /** Pane width (voxels along u) and height (voxels along v). */
  width: number;
  height: number;
  /** values[iu + width * iv]. */
  values: TypedArray;
  /** Level-0 bricks the slice crosses, and how many of them store bytes. */
  bricks: number;
  storedBricks: number;
  /** Stored (compressed) bytes of those bricks: what reading the slice costs from a cold cache. */
  storedBytes: number;
  /** Transport bytes and requests counted while the read ran (other reads at the same time count too). */
  fetchedBytes: number;
  fetchedRequests: number;
  ms: number;
}

export async function readSlice(
  ds: ViewerDataset,
  field: string,
  t: number,
  pane: PaneAxes,
  index: number,
  signal?: AbortSignal,
): Promise<SliceImage> {
  const t0 = performance.now();
  const before = ds.transferStats();
  const dims = ds.info.dims;
  const box = sliceBox(dims, pane, index);
  const coords = sliceBricks(ds.info, pane, index);
  const summaries = await Promise.all(
    coords.map((brick) => ds.summary({ field, t, level: 0, brick }, signal)),
  );
  // Read where the dataset is (the backend worker): its transport counted there.
  const counted = ds.readRegionCounted && (await ds.readRegionCounted(field, t, box, signal));
  const values = counted
    ? counted.values
    : ds.readRegion
      ? await ds.readRegion(field, t, box, signal)
      : await assemble(ds, field, t, box, coords, signal);
  const after = ds.transferStats();
  const fetched = counted
    ? { bytes: counted.bytes, requests: counted.requests }
    : { bytes: after.bytes - before.bytes, requests: after.requests - before.requests };
  return {
    field,
    t,
    pane: pane.name,
    index,
    width: dims[pane.u],
    height: dims[pane.v],
    values,
    bricks: coords.length,
    storedBricks: summaries.filter((s) => s.uniform === undefined).length,
    storedBytes: summaries.reduce((n, s) => n + s.length, 0),
    fetchedBytes: fetched.bytes,
    fetchedRequests: fetched.requests,
    ms: performance.now() - t0,
  };
}

/** The same box from whole bricks, for datasets without a region read. */
async function assemble(
  ds: ViewerDataset,
  field: string,
  t: number,
  box: { min: Vec3; max: Vec3 },
  coords: Vec3[],
  signal?: AbortSignal,
): Promise<TypedArray> {
  const B = ds.info.brickSize;
  const size = box.max.map((v, i) => v - box.min[i]);
  const bricks = await Promise.all(
    coords.map((brick) => ds.readBrick({ field, t, level: 0, brick }, signal)),
  );
  const values = bricks.map((b) => brickValues(b));
  const Ctor = values[0].constructor as new (n: number) => TypedArray;
  const out = new Ctor(size[0] * size[1] * size[2]);
  bricks.forEach((b, n) => {
    const o = coords[n].map((c) => c * B);
    for (let z = Math.max(box.min[2], o[2]); z < Math.min(box.max[2], o[2] + b.dims[2]); z++)
      for (let y = Math.max(box.min[1], o[1]); y < Math.min(box.max[1], o[1] + b.dims[1]); y++)
        for (let x = Math.max(box.min[0], o[0]); x < Math.min(box.max[0], o[0] + b.dims[0]); x++)
          out[x - box.min[0] + size[0] * (y - box.min[1] + size[1] * (z - box.min[2]))] =
            values[n][x - o[0] + b.dims[0] * (y - o[1] + b.dims[1] * (z - o[2]))];
  });
  return out;
}
