/**
 * Multi-field assembly: per input file, a list of variables (each a 3D grid or
 * a time series of grids, read a slab at a time) → the packer's input, one
 * dataset whose fields are the variables and whose timesteps run through the
 * files in order. Checks that the files agree (grid, variable names, dtypes,
 * units, fill, world placement, time units) and that the times increase.
 */
import { basename } from "node:path";
import type { DType, FieldKind, TypedArray, Vec3 } from "../../shared/types";
import { asBytes, bytesPerValue } from "../../shared/types";
import type { DatasetSpec, FieldSpec, MetadataValue, SlabReader, TimestepData } from "../pack-types";
import { decodeElements } from "./convert";
import { inputError } from "./input-error";
import type { InputDataset, InputOptions } from "./series";
import type { SourceDType } from "./source-dtype";

/** One variable of one input file, as a field read on demand. */
export interface InputVariable {
  /** Field name (the variable's name, without a leading "/"). */
  name: string;
  /** Display name for messages, e.g. "run.nc:/temperature". */
  file: string;
  dims: Vec3;
  /** Timesteps this variable holds in its file (1 for a 3D variable). */
  steps: number;
  /**
   * A variable without a time axis in a file whose other variables have one:
   * its single grid is repeated at every timestep of the file.
   */
  timeless?: boolean;
  /** dtype of the arrays `read` returns. */
  dtype: DType;
  kind: FieldKind;
  units?: string;
  /** The field's no-data value (NaN for f32 fields with no data; undefined: none). */
  fill?: number | null;
  attributes?: Record<string, MetadataValue>;
  description?: string;
  /** Bytes per element in the input file (throughput figures); default the dtype's size. */
  sourceBytes?: number;
  /**
   * Timestep t of this variable, z∈[z0,z0+nz), y∈[y0,y0+ny), all x, x fastest,
   * in `dtype`, converted (physical values, no data mapped to `fill`).
   * May be called again after close (it reopens what it needs).
   */
  read(t: number, z0: number, nz: number, y0: number, ny: number): Promise<TypedArray>;
  /** Release file handles / library objects. */
  close?(): Promise<void> | void;
}

/** World placement of a file's grid. */
export interface InputGrid {
  origin?: Vec3;
  spacing?: Vec3;
  /** 12 numbers, row-major 3×4 (see DatasetSpec.transform). */
  transform?: number[];
  spaceUnits?: string;
}

/** What one input file contributes. */
export interface InputFile {
  /** Path of the file (only its basename goes into the metadata). */
  file: string;
  variables: InputVariable[];
  /** Time value of each of its timesteps, from the file (e.g. a CF time coordinate). */
  times?: number[];
  timeUnits?: string;
  timeCalendar?: string;
  grid?: InputGrid;
  /** The file's own (global) attributes, library internals removed. */
  attributes?: Record<string, MetadataValue>;
  /** Remarks for the metadata (variables left out, index grid used, ...). */
  notes?: string[];
  /** More dataset metadata from the file (e.g. which dimension is which axis). */
  metadata?: Record<string, MetadataValue>;
}

export interface FieldsOptions extends InputOptions {
  timeCalendar?: string;
  spaceUnits?: string;
}

/** Most input basenames listed in metadata.source. */
const MAX_SOURCES = 8;

const AS_SOURCE: Record<DType, SourceDType> = {
  u8: { kind: "u", size: 1, littleEndian: true },
  u16: { kind: "u", size: 2, littleEndian: true },
  i16: { kind: "i", size: 2, littleEndian: true },
  u32: { kind: "u", size: 4, littleEndian: true },
  f32: { kind: "f", size: 4, littleEndian: true },
};

/** Convert an array to another dtype, refusing any value the target cannot hold exactly (NaN included). */
export function convertTyped(a: TypedArray, from: DType, to: DType, file: string): TypedArray {
  if (from === to) return a;
  return decodeElements(asBytes(a), AS_SOURCE[from], to, { file, dataOffset: 0 });
}

const sameNumber = (a: number | null | undefined, b: number | null | undefined) =>
  a === b || (typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b));

function sameVec(a: number[] | undefined, b: number[] | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.length !== b.length) return false;
  return a.every((v, i) => Math.abs(v - b[i]) <= 1e-9 * Math.max(1, Math.abs(v), Math.abs(b[i])));
}

/** Input basenames for metadata.source: at most a few, with the count when there are more. */
export function sourceNames(files: string[]): MetadataValue {
  const names = files.map((f) => basename(f.replace(/[\\/]+$/, "")));
  if (names.length <= MAX_SOURCES) return names;
  return [...names.slice(0, MAX_SOURCES - 1), `… ${names.length} files in all`];
}

/**
 * Files (each a list of variables) → one dataset with one field per variable.
 * User options override what the files say: `times`/`timeUnits`, `origin`/
 * `spacing`, and — only when there is a single field — `field` (its name),
 * `units` and `fill`; `dtype` and `kind` apply to every field.
 */
export function assembleFields(files: InputFile[], opts: FieldsOptions = {}): InputDataset {
  if (files.length === 0 || files[0].variables.length === 0) throw new TypeError("no input variables");
  const first = files[0];
  const v0 = first.variables[0];
  const dims = v0.dims;
  const names = first.variables.map((v) => v.name);
  if (new Set(names).size !== names.length)
    throw inputError(`variable names repeat: ${names.join(", ")}`, first.file);

  // Per file: its step count; every variable on the same grid, same names in every file.
  const stepsOf: number[] = [];
  for (const f of files) {
    const got = f.variables.map((v) => v.name);
    const missing = names.filter((n) => !got.includes(n));
    const extra = got.filter((n) => !names.includes(n));
    if (missing.length || extra.length) {
      throw inputError(
        `variables differ from ${basename(first.file)}: ${missing.length ? `missing ${missing.join(", ")}` : ""}${missing.length && extra.length ? "; " : ""}${extra.length ? `extra ${extra.join(", ")}` : ""}`,
        f.file,
      );
    }
    let steps = 0;
    for (const v of f.variables) {
      if (v.dims.some((d, k) => d !== dims[k]))
        throw inputError(`grid ${v.dims.join("×")} differs from ${dims.join("×")} of ${v0.file}`, v.file);
      if (!v.timeless) {
        if (steps && v.steps !== steps)
          throw inputError(`${v.steps} timesteps, other variables of the file have ${steps}`, v.file);
        steps = v.steps;
      } else if (v.steps !== 1) throw new TypeError(`${v.file}: a timeless variable has one step`);
    }
    stepsOf.push(steps || 1);
    if (f.times && f.times.length !== stepsOf[stepsOf.length - 1])
      throw inputError(`${f.times.length} time values for ${stepsOf[stepsOf.length - 1]} timesteps`, f.file);
  }
  const total = stepsOf.reduce((a, b) => a + b, 0);

  // Fields: the first file's variables, with the options applied; later files must agree.
  const single = names.length === 1;
  for (const [opt, what] of [
    [opts.field, "--field"],
    [opts.units, "--units"],
    [opts.fill, "--fill"],
  ] as const) {
    if (opt !== undefined && !single)
      throw inputError(
        `${what} applies to one field, and there are ${names.length} (${names.join(", ")}); select one with --array`,
        first.file,
      );
  }
  const targetOf = (v: InputVariable): DType =>
    opts.dtype ?? ((opts.kind ?? v.kind) === "categorical" && v.dtype === "f32" ? "u32" : v.dtype);
  const fields: FieldSpec[] = first.variables.map((v) => {
    const kind = opts.kind ?? v.kind;
    const dtype = targetOf(v);
    if (kind === "categorical" && dtype === "f32")
      throw inputError("a categorical field needs an integer dtype (u8, u16, i16, u32)", v.file);
    const fill = single && opts.fill !== undefined ? opts.fill : v.fill;
    // The reader already mapped the file's no data to its own fill; another one would turn it into data.
    if (
      single &&
      opts.fill !== undefined &&
      typeof v.fill === "number" &&
      !Number.isNaN(v.fill) &&
      !sameNumber(opts.fill, v.fill)
    )
      throw inputError(
        `the file's no-data value is ${v.fill}; --fill ${opts.fill} would make those voxels data`,
        v.file,
      );
    if (dtype !== "f32" && typeof fill === "number" && Number.isNaN(fill)) {
      throw inputError(
        `has no-data values (NaN) that ${dtype} cannot hold; store it as f32 or give --fill`,
        v.file,
      );
    }
    const spec: FieldSpec = {
      name: single && opts.field !== undefined ? opts.field : v.name,
      dtype,
      kind,
    };
    const units = single && opts.units !== undefined ? opts.units : v.units;
    if (units !== undefined) spec.units = units;
    if (fill !== undefined) spec.fill = fill;
    if (v.description !== undefined) spec.description = v.description;
    if (v.attributes && Object.keys(v.attributes).length) spec.attributes = v.attributes;
    return spec;
  });
  for (const f of files.slice(1)) {
    for (const v of f.variables) {
      const ref = first.variables[names.indexOf(v.name)];
      const diff =
        v.dtype !== ref.dtype
          ? `dtype ${v.dtype} (${ref.dtype} in ${ref.file})`
          : v.units !== ref.units
            ? `units '${v.units ?? ""}' ('${ref.units ?? ""}' in ${ref.file})`
            : !sameNumber(v.fill, ref.fill)
              ? `no-data value ${v.fill} (${ref.fill} in ${ref.file})`
              : !!v.timeless !== !!ref.timeless
                ? `a time axis ${v.timeless ? "missing" : "present"} (not so in ${ref.file})`
                : undefined;
      if (diff) throw inputError(`differs from the first file: ${diff}`, v.file);
    }
  }

  // Times: the user's, else the files' own, else 0..T-1.
  let times: number[];
  let timeUnits = opts.timeUnits;
  let timeCalendar = opts.timeCalendar;
  if (opts.times) {
    times = opts.times;
    if (times.length !== total)
      throw inputError(`${times.length} time values given for ${total} timesteps`, "--times");
  } else if (files.some((f) => f.times)) {
    const without = files.find((f) => !f.times);
    if (without)
      throw inputError(
        `has no time coordinate while ${basename(files.find((f) => f.times)!.file)} has one; give --times`,
        without.file,
      );
    for (const f of files) {
      if (f.timeUnits !== first.timeUnits || (f.timeCalendar ?? "") !== (first.timeCalendar ?? ""))
        throw inputError(
          `time units '${f.timeUnits ?? ""}'${f.timeCalendar ? ` (${f.timeCalendar})` : ""} differ from '${first.timeUnits ?? ""}'${first.timeCalendar ? ` (${first.timeCalendar})` : ""} of ${basename(first.file)}; give --times and --time-units`,
          f.file,
        );
    }
    times = files.flatMap((f) => f.times!);
    timeUnits ??= first.timeUnits;
    timeCalendar ??= first.timeCalendar;
  } else {
    times = Array.from({ length: total }, (_, i) => i);
  }
  for (let i = 0; i < times.length; i++) {
    if (!Number.isFinite(times[i]) || (i > 0 && !(times[i] > times[i - 1]))) {
      let at = i;
      const file = files.find((_, k) => {
        if (at < stepsOf[k]) return true;
        at -= stepsOf[k];
        return false;
      });
      throw inputError(
        `time values must be finite and strictly increasing (timestep ${i}: ${times[i]} after ${times[i - 1]})`,
        opts.times ? "--times" : (file?.file ?? first.file),
      );
    }
  }

  // World placement: the user's, else the files' (which must agree).
  for (const f of files.slice(1)) {
    const a = first.grid ?? {};
    const b = f.grid ?? {};
    if (
      !sameVec(a.origin, b.origin) ||
      !sameVec(a.spacing, b.spacing) ||
      !sameVec(a.transform, b.transform) ||
      a.spaceUnits !== b.spaceUnits
    )
      throw inputError(`grid coordinates differ from those of ${basename(first.file)}`, f.file);
  }
  const grid = first.grid ?? {};
  const userPlaced = opts.origin !== undefined || opts.spacing !== undefined;

  const bytesIn = files.reduce(
    (n, f, k) =>
      n +
      f.variables.reduce(
        (m, v) =>
          m +
          dims[0] *
            dims[1] *
            dims[2] *
            (v.timeless ? 1 : stepsOf[k]) *
            (v.sourceBytes ?? bytesPerValue(v.dtype)),
        0,
      ),
    0,
  );
  const notes = files.flatMap((f) => f.notes ?? []);
  const metadata: Record<string, MetadataValue> = {
    ...first.metadata,
    ...opts.metadata,
    source: sourceNames(files.map((f) => f.file)),
  };
  if (files.length > MAX_SOURCES) metadata.sourceCount = files.length;
  if (first.attributes && Object.keys(first.attributes).length) metadata.attributes = first.attributes;
  if (notes.length) metadata.notes = [...new Set(notes)];

  const spec: DatasetSpec = {
    dims: [...dims],
    fields,
    times,
  };
  const origin = opts.origin ?? (userPlaced ? undefined : grid.origin);
  const spacing = opts.spacing ?? (userPlaced ? undefined : grid.spacing);
  if (origin) spec.origin = origin;
  if (spacing) spec.spacing = spacing;
  if (!userPlaced && grid.transform) spec.transform = grid.transform;
  const spaceUnits = opts.spaceUnits ?? grid.spaceUnits;
  if (spaceUnits !== undefined) spec.spaceUnits = spaceUnits;
  if (timeUnits !== undefined) spec.timeUnits = timeUnits;
  if (timeCalendar !== undefined) spec.timeCalendar = timeCalendar;
  spec.metadata = metadata;

  function slabReader(v: InputVariable, t: number, target: DType): SlabReader {
    return {
      dims,
      async read(z0, nz, y0, ny) {
        const a = await v.read(t, z0, nz, y0, ny);
        const want = dims[0] * ny * nz;
        if (a.length !== want)
          throw inputError(`read ${a.length} values for a slab of ${want} (timestep ${t})`, v.file);
        return convertTyped(a, v.dtype, target, v.file);
      },
    };
  }
  async function* generate(): AsyncGenerator<TimestepData> {
    let index = 0;
    try {
      for (const [k, f] of files.entries()) {
        // Release the previous file once its last timestep has been handed out (a late
        // read of it reopens what it needs), so a long series holds one file at a time.
        if (k > 0) for (const v of files[k - 1].variables) await v.close?.();
        for (let t = 0; t < stepsOf[k]; t++) {
          const data: Record<string, SlabReader> = {};
          for (const v of f.variables)
            data[fields[names.indexOf(v.name)].name] = slabReader(v, v.timeless ? 0 : t, targetOf(v));
          yield { index: index++, fields: data };
        }
      }
    } finally {
      for (const f of files) for (const v of f.variables) await v.close?.();
    }
  }
  return { spec, steps: { [Symbol.asyncIterator]: generate }, bytesIn };
}
