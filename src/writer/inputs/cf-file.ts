/**
 * One NetCDF / HDF5 file as an InputFile for assembleFields: which variables
 * are fields (the 3D / 4D numeric ones on the common grid, or those named),
 * their time dimension and its coordinate, the spatial coordinates, and a
 * SlabReader-shaped read per variable that asks the library for just the
 * requested hyperslab and decodes it with the CF rules (cf.ts).
 */
import type { DType, FieldKind, TypedArray, Vec3 } from "../../shared/types";
import {
  type CfAxis,
  cfAxis,
  cfDecoding,
  cfTime,
  isTimeCoordinate,
  type RawArray,
  userAttributes,
} from "./cf";
import type { InputFile, InputVariable } from "./fields";
import { inputError } from "./input-error";
import type { SourceDType } from "./source-dtype";

/** A variable as the format library describes it. */
export interface SourceVariable {
  /** Path ("/temperature", "/sim/density") or NetCDF-3 name. */
  path: string;
  /** Dimension names, C order (slowest first); undefined when the file has none (plain HDF5). */
  dims?: string[];
  shape: number[];
  /** undefined: not a numeric type we read. */
  type?: SourceDType;
  attrs: Record<string, unknown>;
  /** Names of the attributes stored as 32-bit floats. */
  f32Attributes?: ReadonlySet<string>;
  /** The hyperslab [start, end) per dimension, C order. */
  read(ranges: [number, number][]): Promise<RawArray>;
}

export interface SourceFile {
  file: string;
  /** NetCDF default fills apply (NetCDF-3, NetCDF-4); not for plain HDF5. */
  netcdf: boolean;
  variables: SourceVariable[];
  attrs: Record<string, unknown>;
  /** The coordinate variable of a dimension (same name, 1D), if any. */
  coordinate(dim: string): SourceVariable | undefined;
  /** Check before reading (e.g. HDF5 filters); throws a one-line InputError. */
  check?(v: SourceVariable): void;
  close(): void | Promise<void>;
}

export interface CfFileOptions {
  /** Variable names or paths to take (in order); default: every 3D/4D numeric variable on the common grid. */
  arrays?: string[];
  indexGrid?: boolean;
  kind?: FieldKind;
  dtype?: DType;
}

interface Candidate {
  v: SourceVariable;
  /** Dimension names of the time axis and the spatial axes (z, y, x); names "#n" when the file has none. */
  time?: string;
  space: [string, string, string];
}

const fieldName = (path: string) => path.replace(/^\/+/, "");

function shapeKey(c: Candidate, sizes: number[]) {
  return `${c.space.join(",")}|${sizes.join("x")}`;
}

/** (T,)z,y,x reading of a variable, or why not. */
function classify(src: SourceFile, v: SourceVariable): Candidate | string {
  const rank = v.shape.length;
  if (!v.type) return "not a numeric variable";
  if (rank !== 3 && rank !== 4) return `${rank}D`;
  // Without dimension names (plain HDF5), axes are matched by size alone.
  const dims = v.dims ?? (rank === 4 ? ["#t", "#z", "#y", "#x"] : ["#z", "#y", "#x"]);
  if (rank === 4) {
    // (time, z, y, x): a time coordinate elsewhere would make us read the axes wrongly.
    const k = v.dims ? dims.findIndex((d) => isTime(src, d)) : -1;
    if (k > 0)
      return `ordered (${dims.join(", ")}) with time not first; reorder it with ncpdq -a ${dims[k]},${dims.filter((_, i) => i !== k).join(",")}`;
    return { v, time: dims[0], space: [dims[1], dims[2], dims[3]] };
  }
  if (v.dims && isTime(src, dims[0])) return `a 2D field over time (${dims.join(", ")})`;
  const k = v.dims ? dims.findIndex((d) => isTime(src, d)) : -1;
  if (k > 0) return `a 2D field over time (${dims.join(", ")})`;
  return { v, space: [dims[0], dims[1], dims[2]] };
}

function isTime(src: SourceFile, dim: string): boolean {
  const c = src.coordinate(dim);
  return c !== undefined && isTimeCoordinate(c.attrs);
}

const spatialShape = (c: Candidate) => c.v.shape.slice(c.time === undefined ? 0 : 1);

async function coordinateValues(
  src: SourceFile,
  dim: string,
): Promise<{ values: number[]; attrs: Record<string, unknown>; f32: boolean } | undefined> {
  const c = src.coordinate(dim);
  if (!c?.type || c.shape.length !== 1) return undefined;
  src.check?.(c);
  const dec = cfDecoding({
    name: `${src.file}:${c.path}`,
    type: c.type,
    attrs: c.attrs,
    netcdf: src.netcdf,
    kind: "scalar",
    dtype: "f32",
    f32Attributes: c.f32Attributes,
  });
  // Coordinates keep their own precision (f64), no data as NaN.
  const values = dec.decodeNumbers(await c.read([[0, c.shape[0]]]));
  return { values, attrs: c.attrs, f32: c.type.kind === "f" && c.type.size === 4 };
}

/** Describe one source file as the fields it contributes. */
export async function cfInputFile(src: SourceFile, o: CfFileOptions = {}): Promise<InputFile> {
  const notes: string[] = [];
  let chosen: Candidate[];
  const classified = src.variables.map((v) => ({ v, c: classify(src, v) }));
  const isCoordinate = (v: SourceVariable) =>
    v.dims?.length === 1 && fieldName(v.path) === v.dims[0] && src.coordinate(v.dims[0]) === v;
  if (o.arrays?.length) {
    chosen = o.arrays.map((want) => {
      const hit = classified.find(({ v }) => v.path === want || fieldName(v.path) === fieldName(want));
      if (!hit && src.coordinate(fieldName(want)))
        throw inputError(
          `is the coordinate variable of dimension ${fieldName(want)}, expected a 3D (z, y, x) or 4D (time, z, y, x) variable`,
          `${src.file}:${want}`,
        );
      if (!hit) {
        const names = classified.filter(({ c }) => typeof c !== "string").map(({ v }) => fieldName(v.path));
        throw inputError(
          `no variable ${want}${names.length ? `; 3D/4D variables: ${names.slice(0, 12).join(", ")}` : ""}`,
          src.file,
        );
      }
      if (typeof hit.c === "string")
        throw inputError(
          hit.c === "not a numeric variable" || hit.c.startsWith("ordered")
            ? `is ${hit.c}`
            : `is ${hit.c}, expected a 3D (z, y, x) or 4D (time, z, y, x) variable`,
          `${src.file}:${hit.v.path}`,
        );
      return hit.c;
    });
    const key = shapeKey(chosen[0], spatialShape(chosen[0]));
    for (const c of chosen)
      if (shapeKey(c, spatialShape(c)) !== key)
        throw inputError(
          `variables on different grids: ${fieldName(chosen[0].v.path)} (${chosen[0].space.join(", ")}; ${spatialShape(chosen[0]).join("×")}) and ${fieldName(c.v.path)} (${c.space.join(", ")}; ${spatialShape(c).join("×")}); pack them separately`,
          src.file,
        );
  } else {
    const cands = classified.filter((x): x is { v: SourceVariable; c: Candidate } => typeof x.c !== "string");
    if (cands.length === 0) {
      const seen = classified
        .filter(({ v }) => !isCoordinate(v))
        .map(({ v }) => `${fieldName(v.path)} (${v.shape.join("×") || "scalar"})`);
      throw inputError(
        `no 3D or 4D numeric variable in the file${seen.length ? `: ${seen.slice(0, 12).join(", ")}` : ""}`,
        src.file,
      );
    }
    // The common grid: the spatial dimensions most variables share (ties: the first seen).
    const count = new Map<string, number>();
    for (const { c } of cands) {
      const k = shapeKey(c, spatialShape(c));
      count.set(k, (count.get(k) ?? 0) + 1);
    }
    const best = [...count.entries()].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    chosen = cands.filter(({ c }) => shapeKey(c, spatialShape(c)) === best).map(({ c }) => c);
    const others = cands.filter(({ c }) => shapeKey(c, spatialShape(c)) !== best);
    if (others.length)
      notes.push(
        `left out, on another grid: ${others.map(({ v, c }) => `${fieldName(v.path)} (${c.space.join(", ")}; ${spatialShape(c).join("×")})`).join("; ")}`,
      );
    const twoD = classified.filter(({ c }) => typeof c === "string" && c.startsWith("a 2D field"));
    if (twoD.length)
      notes.push(`left out, 2D over time: ${twoD.map(({ v }) => fieldName(v.path)).join(", ")}`);
    for (const { v, c } of classified)
      if (typeof c === "string" && c.startsWith("ordered"))
        notes.push(`left out: ${fieldName(v.path)} is ${c}`);
  }

  // Time: one time dimension for all chosen variables.
  const timed = chosen.filter((c) => c.time !== undefined);
  const timeDim = timed[0]?.time;
  for (const c of timed)
    if (c.time !== timeDim || c.v.shape[0] !== timed[0].v.shape[0])
      throw inputError(
        `variables have different time axes: ${fieldName(timed[0].v.path)} (${timeDim}, ${timed[0].v.shape[0]}) and ${fieldName(c.v.path)} (${c.time}, ${c.v.shape[0]})`,
        src.file,
      );
  const steps = timed.length ? timed[0].v.shape[0] : 1;
  const [nz, ny, nx] = spatialShape(chosen[0]);
  const dims: Vec3 = [nx, ny, nz];

  // Space: x, y, z from the coordinate variables of the spatial dimensions.
  const space = chosen[0].space;
  const axes: CfAxis[] = [];
  const names = ["x", "y", "z"] as const;
  const axisMeta: Record<string, MetadataObject> = {};
  const coordinates: Record<string, number[]> = {};
  for (let k = 0; k < 3; k++) {
    const dim = space[2 - k];
    const coord = dim.startsWith("#") ? undefined : await coordinateValues(src, dim);
    const a = cfAxis(names[k], dim, coord, src.file, o.indexGrid);
    axes.push(a);
    if (a.note) notes.push(a.note);
    if (a.values && a.values.length <= 100000) coordinates[dim] = a.values;
    if (coord)
      axisMeta[names[k]] = {
        name: dim,
        ...(a.units !== undefined ? { units: a.units } : {}),
        ...(a.flipped ? { reversed: true } : {}),
      };
  }
  // CF auxiliary coordinates of 2 or more dimensions (curvilinear lon(y, x)): not a uniform grid.
  const aux = new Set<string>();
  for (const c of chosen)
    for (const n of (typeof c.v.attrs.coordinates === "string" ? c.v.attrs.coordinates : "").split(/\s+/)) {
      const a = src.variables.find((v) => fieldName(v.path) === n);
      if (a && a.shape.length >= 2) aux.add(`${n}(${(a.dims ?? []).join(", ")})`);
    }
  if (aux.size)
    notes.push(
      `the variables have auxiliary coordinates ${[...aux].join(", ")}, a curvilinear grid: voxels are placed by their dimensions only`,
    );
  const flips: [boolean, boolean, boolean] = [!!axes[0].flipped, !!axes[1].flipped, !!axes[2].flipped];

  const out: InputFile = {
    file: src.file,
    variables: chosen.map((c) => variable(src, c, dims, steps, timed.length > 0, o, flips)),
    attributes: userAttributes(src.attrs),
    notes,
  };

  if (timeDim !== undefined && !timeDim.startsWith("#")) {
    const tc = await coordinateValues(src, timeDim);
    if (tc) Object.assign(out, cfTime(tc.values, tc.attrs, `${src.file}:${src.coordinate(timeDim)!.path}`));
  }

  if (Object.keys(axisMeta).length > 0) {
    out.grid = {
      origin: [axes[0].origin, axes[1].origin, axes[2].origin],
      spacing: [axes[0].spacing, axes[1].spacing, axes[2].spacing],
    };
    const units = axes.map((a) => a.units);
    if (units[0] !== undefined && units.every((u) => u === units[0])) out.grid.spaceUnits = units[0];
    out.metadata = { axes: axisMeta };
    if (Object.keys(coordinates).length) out.metadata.coordinates = coordinates;
  }
  return out;
}

type MetadataObject = { [k: string]: string | boolean };

/** Reverse the flipped axes of an x-fastest block of nx × ny × nz voxels. */
export function mirror(
  a: TypedArray,
  nx: number,
  ny: number,
  nz: number,
  flips: [boolean, boolean, boolean],
) {
  const out = a.slice();
  let o = 0;
  for (let z = 0; z < nz; z++) {
    const sz = flips[2] ? nz - 1 - z : z;
    for (let y = 0; y < ny; y++) {
      const row = nx * ((flips[1] ? ny - 1 - y : y) + ny * sz);
      if (flips[0]) for (let x = nx - 1; x >= 0; x--) out[o++] = a[row + x];
      else {
        out.set(a.subarray(row, row + nx), o);
        o += nx;
      }
    }
  }
  return out;
}

function variable(
  src: SourceFile,
  c: Candidate,
  dims: Vec3,
  steps: number,
  fileHasTime: boolean,
  o: CfFileOptions,
  flips: [boolean, boolean, boolean],
): InputVariable {
  const v = c.v;
  const name = `${src.file}:${v.path}`;
  src.check?.(v);
  // CF flag variables (flag_values / flag_masks) hold labels, not quantities.
  const kind: FieldKind =
    o.kind ??
    (v.attrs.flag_values !== undefined || v.attrs.flag_masks !== undefined ? "categorical" : "scalar");
  const dec = cfDecoding({
    name,
    type: v.type!,
    attrs: v.attrs,
    netcdf: src.netcdf,
    kind,
    dtype: o.dtype,
    f32Attributes: v.f32Attributes,
  });
  const timed = c.time !== undefined;
  const out: InputVariable = {
    name: fieldName(v.path),
    file: name,
    dims,
    steps: timed ? steps : 1,
    timeless: !timed && fileHasTime,
    dtype: dec.dtype,
    kind,
    attributes: dec.attributes,
    sourceBytes: v.type!.size,
    async read(t, z0, nz, y0, ny) {
      // A reversed axis reads the mirrored rows, then turns them round.
      const zs = flips[2] ? dims[2] - z0 - nz : z0;
      const ys = flips[1] ? dims[1] - y0 - ny : y0;
      const ranges: [number, number][] = [
        [zs, zs + nz],
        [ys, ys + ny],
        [0, dims[0]],
      ];
      if (timed) ranges.unshift([t, t + 1]);
      const raw = await v.read(ranges);
      const a = dec.decode(
        raw,
        `timestep ${t}, z ${zs}..${zs + nz - 1}, y ${ys}..${ys + ny - 1} in the file`,
      );
      return flips.some((f) => f) ? mirror(a, dims[0], ny, nz, flips) : a;
    },
    // The file is shared by its variables; closing twice is harmless and a later read reopens it.
    close: () => src.close(),
  };
  if (dec.fill !== undefined) out.fill = dec.fill;
  if (dec.units !== undefined) out.units = dec.units;
  if (dec.description !== undefined) out.description = dec.description;
  return out;
}
