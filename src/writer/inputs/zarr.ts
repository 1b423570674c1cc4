import * as zarr from "zarrita";
import { isFlatvoxError } from "../../shared/errors";
import type { Vec3 } from "../../shared/types";
import type { MetadataValue } from "../pack-types";
import { type CfAxis, type CfTime, cfAxis, cfTime, type RawArray } from "./cf";
import { assembleFields, type InputFile, type InputGrid, type InputVariable } from "./fields";
import { inputError } from "./input-error";
import { multiscalesOf, omeInputFile } from "./ome-zarr";
import type { InputDataset } from "./series";
import {
  type AxisMap,
  axisMap,
  baseName,
  type Candidate,
  coordinateValues,
  type Flips,
  isNumeric,
  listArrays,
  openNode,
  openZarrStore,
  probe,
  type Raw,
  readHyperslab,
  sourceType,
  TIME_NAMES,
  type ZArray,
  type ZarrOptions,
  zarrAttributes,
  zarrDecoding,
} from "./zarr-store";

export async function zarrInputFile(input: string, opts: ZarrOptions = {}): Promise<InputFile> {
  const store = await openZarrStore(input);
  const label = input.replace(/\/+$/, "");
  const named = opts.arrays ?? (opts.array ? [opts.array] : undefined);
  const root = await openNode(store, "", label);
  if (root instanceof zarr.Group && !named && multiscalesOf(root.attrs as Record<string, unknown>)) {
    return omeInputFile(store, root, label, opts);
  }
  if (opts.channel !== undefined) throw inputError("--channel is for OME-Zarr images", label);
  const notes: string[] = [];
  const kind = opts.kind ?? "scalar";
  // Every array that could be a field or a coordinate.
  let candidates: Candidate[];
  const byName = new Map<string, ZArray>();
  if (root instanceof zarr.Array) {
    if (named && !(named.length === 1 && (named[0] === "" || named[0] === "/")))
      throw inputError("this store is a single array; --array is for groups", label);
    candidates = [{ path: "", arr: root as ZArray, names: (root as ZArray).dimensionNames }];
  } else {
    const paths = named ?? (await listArrays(store, input));
    if (!paths)
      throw inputError(
        "remote Zarr group without consolidated metadata (.zmetadata): name its arrays with --array",
        label,
      );
    candidates = [];
    for (const p of paths) {
      const node = await openNode(store, p, label);
      if (!(node instanceof zarr.Array)) {
        if (named) throw inputError(`'${p}' is a group, not an array`, label);
        continue;
      }
      const arr = node as ZArray;
      byName.set(p, arr);
      candidates.push({ path: p, arr, names: arr.dimensionNames });
    }
  }
  // Coordinates: 1D arrays named like a dimension, next to the array (loaded when not listed).
  const parentOf = (path: string) => (path.includes("/") ? path.slice(0, path.lastIndexOf("/") + 1) : "");
  for (const c of [...candidates]) {
    if (root instanceof zarr.Array) break;
    for (const dim of c.names ?? []) {
      const key = parentOf(c.path) + dim;
      if (byName.has(key)) continue;
      const node = await zarr.open(zarr.root(store).resolve(key)).catch(() => undefined);
      if (node instanceof zarr.Array) byName.set(key, node as ZArray);
    }
  }
  let coordBase = "";
  const coordOf = (dim: string): ZArray | undefined => {
    const a = byName.get(coordBase + dim);
    return a && a.shape.length === 1 ? a : undefined;
  };
  const isTime = (dim: string): boolean => {
    const c = coordOf(dim);
    const units = c ? (c.attrs as Record<string, unknown>).units : undefined;
    if (typeof units === "string" && /\bsince\b/i.test(units)) return true;
    const axis = c ? (c.attrs as Record<string, unknown>).axis : undefined;
    return axis === "T" || TIME_NAMES.test(dim);
  };
  // Fields: 3D/4D numeric arrays; the others (coordinates aside) noted.
  const fieldsOk: { c: Candidate; ax: AxisMap }[] = [];
  const skipped: string[] = [];
  for (const c of candidates) {
    coordBase = parentOf(c.path);
    const nd = c.arr.shape.length;
    const isCoord = nd === 1 && c.names?.length === 1 && c.names[0] === baseName(c.path);
    if (isCoord && !named) continue;
    if (!isNumeric(c.arr) || (nd !== 3 && nd !== 4)) {
      if (named) {
        if (!isNumeric(c.arr))
          throw inputError(`unsupported Zarr data type ${String(c.arr.dtype)}`, `${label}:${c.path}`);
        axisMap(c.arr.shape, c.names, opts.axes, isTime, `${label}${c.path ? `:${c.path}` : ""}`);
      }
      skipped.push(
        `${c.path} (${c.arr.shape.join("×")}${isNumeric(c.arr) ? "" : `, ${String(c.arr.dtype)}`})`,
      );
      continue;
    }
    let ax: AxisMap;
    try {
      ax = axisMap(c.arr.shape, c.names, opts.axes, isTime, `${label}${c.path ? `:${c.path}` : ""}`);
    } catch (e) {
      // E.g. a (time, lat, lon) surface field next to 4D ones: left out with a note unless named.
      if (named || !isFlatvoxError(e)) throw e;
      skipped.push(`${c.path} (${c.names ? `${c.names.join(", ")}: ` : ""}${c.arr.shape.join("×")})`);
      continue;
    }
    fieldsOk.push({ c, ax });
  }
  if (fieldsOk.length === 0)
    throw inputError(
      `no 3D or 4D numeric array in this Zarr group${skipped.length ? ` (has: ${skipped.join(", ")})` : ""}`,
      label,
    );
  // The common grid: that of the most arrays (the first such on a tie).
  // The common grid: the space grid of the most arrays (the first such on a tie). An array
  // without a time axis next to timed ones is timeless (repeated at every timestep).
  const gridKey = ({ c, ax }: { c: Candidate; ax: AxisMap }) =>
    [c.arr.shape[ax.x], c.arr.shape[ax.y], c.arr.shape[ax.z]].join("×");
  const stepsOf = ({ c, ax }: { c: Candidate; ax: AxisMap }) => (ax.t < 0 ? 0 : c.arr.shape[ax.t]);
  const counts = new Map<string, number>();
  for (const f of fieldsOk) counts.set(gridKey(f), (counts.get(gridKey(f)) ?? 0) + 1);
  let common = gridKey(fieldsOk[0]);
  for (const [k, n] of counts) if (n > (counts.get(common) ?? 0)) common = k;
  const onGrid = fieldsOk.filter((f) => gridKey(f) === common);
  const timed = onGrid.find((f) => f.ax.t >= 0);
  const steps = timed ? stepsOf(timed) : 1;
  const fits = (f: { c: Candidate; ax: AxisMap }) =>
    gridKey(f) === common && (f.ax.t < 0 || stepsOf(f) === steps);
  const gridLabel = (f: { c: Candidate; ax: AxisMap }) =>
    `${f.c.path} (${gridKey(f)}${f.ax.t < 0 ? "" : `, ${stepsOf(f)} steps`})`;
  const chosen = fieldsOk.filter(fits);
  const off = fieldsOk.filter((f) => !fits(f));
  if (named && off.length)
    throw inputError(`arrays on different grids: ${fieldsOk.map(gridLabel).join(", ")}`, label);
  for (const f of off) skipped.push(`${gridLabel(f)} off the common grid`);
  if (skipped.length) notes.push(`not packed (not 3D/4D numeric on the common grid): ${skipped.join(", ")}`);

  const { c: c0, ax: ax0 } = timed && chosen.includes(timed) ? timed : chosen[0];
  coordBase = parentOf(c0.path);
  const dims: Vec3 = [c0.arr.shape[ax0.x], c0.arr.shape[ax0.y], c0.arr.shape[ax0.z]];

  // Times and space from coordinate arrays named by the dimensions (cf.ts rules, as for NetCDF).
  let time: CfTime | undefined;
  const flips: Flips = [false, false, false];
  const grid: InputGrid = {};
  let fileAttributes: Record<string, MetadataValue> = {};
  if (c0.names && !opts.axes) {
    const tName = ax0.t >= 0 ? c0.names[ax0.t] : undefined;
    const tc = tName ? coordOf(tName) : undefined;
    if (tName && tc && tc.shape[0] === steps) {
      const attrs = tc.attrs as Record<string, unknown>;
      time = cfTime(await coordinateValues(tc, `${label}:${tName}`), attrs, `${label}:${tName}`);
    }
    const axes: CfAxis[] = [];
    const axisMeta: Record<string, MetadataValue> = {};
    const coordinates: Record<string, MetadataValue> = {};
    for (const k of ["x", "y", "z"] as const) {
      const dim = c0.names[ax0[k]];
      const cc = coordOf(dim);
      const coord =
        cc && cc.shape[0] === c0.arr.shape[ax0[k]]
          ? {
              values: await coordinateValues(cc, `${label}:${dim}`),
              attrs: cc.attrs as Record<string, unknown>,
              f32: cc.dtype === "float32",
            }
          : undefined;
      const a = cfAxis(k, dim, coord, label, opts.indexGrid);
      axes.push(a);
      if (a.note) notes.push(a.note);
      if (a.values && a.values.length <= 100000) coordinates[dim] = a.values;
      if (a.flipped) flips[["x", "y", "z"].indexOf(k)] = true;
      if (coord)
        axisMeta[k] = {
          name: dim,
          ...(a.units !== undefined ? { units: a.units } : {}),
          ...(a.flipped ? { reversed: true } : {}),
        };
    }
    if (Object.keys(axisMeta).length) {
      grid.origin = [axes[0].origin, axes[1].origin, axes[2].origin];
      grid.spacing = [axes[0].spacing, axes[1].spacing, axes[2].spacing];
      const units = axes.map((x) => x.units);
      if (units[0] !== undefined && units.every((u) => u === units[0])) grid.spaceUnits = units[0];
      fileAttributes = { axes: axisMeta, ...(Object.keys(coordinates).length ? { coordinates } : {}) };
    }
  }

  // One voxel of each field read now, so a codec zarrita lacks is named before packing starts.
  for (const { c, ax } of chosen) await probe(c.arr, ax, c.path ? `${label}:${c.path}` : label);
  const variables: InputVariable[] = chosen.map(({ c, ax }) => {
    const name = c.path ? baseName(c.path) : "value";
    const where = c.path ? `${label}:${c.path}` : label;
    const dec = zarrDecoding(c.arr, where, kind);
    const v: InputVariable = {
      name,
      file: where,
      dims,
      steps: ax.t < 0 ? 1 : steps,
      ...(ax.t < 0 && steps > 1 ? { timeless: true } : {}),
      dtype: dec.dtype,
      kind,
      sourceBytes: sourceType(c.arr, where).size,
      read: async (t, z0, nz, y0, ny) => {
        let raw: Raw;
        try {
          raw = await readHyperslab(c.arr, ax, t, -1, z0, nz, y0, ny, flips);
        } catch (e) {
          if (isFlatvoxError(e)) throw e;
          throw inputError(
            `cannot read timestep ${t}, z ${z0}..${z0 + nz - 1}: ${(e as Error).message}`,
            where,
          );
        }
        return dec.decode(raw as RawArray, `timestep ${t}, z ${z0}..${z0 + nz - 1}`);
      },
    };
    if (dec.units !== undefined) v.units = dec.units;
    if (dec.fill !== undefined) v.fill = dec.fill;
    if (dec.description !== undefined) v.description = dec.description;
    if (Object.keys(dec.attributes).length) v.attributes = dec.attributes;
    return v;
  });
  const rootAttrs = {
    ...(root instanceof zarr.Group ? zarrAttributes(root.attrs as Record<string, unknown>) : {}),
    ...fileAttributes,
  };
  return {
    file: label,
    variables,
    ...(time ?? {}),
    grid,
    ...(Object.keys(rootAttrs).length ? { attributes: rootAttrs } : {}),
    ...(notes.length ? { notes } : {}),
  };
}

/** Zarr stores → packer input (several stores: a time series, in order). */
export async function readZarr(stores: string[], opts: ZarrOptions = {}): Promise<InputDataset> {
  const files: InputFile[] = [];
  for (const s of stores) files.push(await zarrInputFile(s, opts));
  return assembleFields(files, opts);
}
