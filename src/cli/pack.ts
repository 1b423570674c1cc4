/**
 * `flatvox pack`: write an .fvx from NumPy .npy/.npz or raw binary inputs.
 * Several inputs make a time series in the order given. Also home of the
 * progress display and summary shared with `flatvox demo`.
 */
import { statSync } from "node:fs";
import { extname } from "node:path";
import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { FlatvoxError } from "../shared/errors";
import { DTYPES, type DType, type FieldKind, type Vec3 } from "../shared/types";
import type { InputDataset, InputOptions } from "../writer/inputs/series";
import type { AxisOrder } from "../writer/inputs/stored-array";
import type { MetadataValue, PackOptions } from "../writer/pack-types";
import { type PackReport, packDataset } from "../writer/packer";
import { addFeatureOptions, type FeatureCliOptions, featureOptions } from "./feature-options";

export interface PackCliOptions extends FeatureCliOptions {
  out: string;
  dims?: string;
  dtype?: string;
  store?: string;
  endian?: string;
  headerBytes?: string;
  arrays?: string;
  /** Repeatable: every --array given, in order. */
  array?: string[];
  axes?: string;
  field?: string;
  kind?: string;
  units?: string;
  fill?: string;
  times?: string;
  timeUnits?: string;
  brick?: string;
  level?: string;
  spacing?: string;
  origin?: string;
  meta?: string[];
  workers?: string;
  order?: string;
  delta?: boolean;
  quiet?: boolean;
  /** I/N: pack only part I of N (a contiguous range of timesteps) for `flatvox merge`. */
  part?: string;
}

function usage(message: string): FlatvoxError {
  return new FlatvoxError("InputError", message);
}

export function parseNumberList(text: string, what: string): number[] {
  const parts = text.split(",").map((s) => s.trim());
  const out = parts.map(Number);
  if (parts.some((p) => p === "") || out.some((v) => !Number.isFinite(v))) {
    throw usage(`${what}: expected comma-separated numbers, got '${text}'`);
  }
  return out;
}

export function parseVec3(text: string, what: string, integer = false): Vec3 {
  const v = parseNumberList(text, what);
  if (v.length !== 3) throw usage(`${what}: expected three values x,y,z, got '${text}'`);
  if (integer && v.some((x) => !Number.isInteger(x) || x < 1))
    throw usage(`${what}: expected positive integers, got '${text}'`);
  return v as Vec3;
}

export function parseInteger(
  text: string | undefined,
  what: string,
  min: number,
  max: number,
): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw usage(`${what}: expected an integer in ${min}..${max}, got '${text}'`);
  return n;
}

/** key=value pairs; numbers and true/false keep their type, everything else is a string. */
export function parseMeta(pairs: string[] = []): Record<string, MetadataValue> {
  const out: Record<string, MetadataValue> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw usage(`--meta: expected key=value, got '${pair}'`);
    const key = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1);
    const num = Number(raw);
    out[key] =
      raw.trim() !== "" && Number.isFinite(num) ? num : raw === "true" ? true : raw === "false" ? false : raw;
  }
  return out;
}

function parseDType(text: string | undefined, what: string): DType | undefined {
  if (text === undefined) return undefined;
  if (!(DTYPES as readonly string[]).includes(text))
    throw usage(`${what}: expected one of ${DTYPES.join(", ")}, got '${text}'`);
  return text as DType;
}

function oneOf<T extends string>(
  text: string | undefined,
  allowed: readonly T[],
  what: string,
): T | undefined {
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text))
    throw usage(`${what}: expected ${allowed.join(" or ")}, got '${text}'`);
  return text as T;
}

/** Open the inputs as a dataset, choosing the reader from the file extensions. */
export async function openInputs(inputs: string[], o: PackCliOptions): Promise<InputDataset> {
  const kindOf = (f: string) => {
    const e = extname(f.replace(/[\\/]+$/, "")).toLowerCase();
    if (e === ".npy" || e === ".npz") return e;
    if ([".h5", ".hdf5", ".he5", ".nc", ".nc4"].includes(e)) return "hdf5";
    if (e === ".vti" || e === ".pvd") return "vtk";
    if (e === ".nii" || /\.nii\.gz$/i.test(f)) return "nifti";
    return e === ".zarr" || statSync(f, { throwIfNoEntry: false })?.isDirectory() ? "zarr" : "raw";
  };
  const kinds = new Set(inputs.map(kindOf));
  if (kinds.size > 1) throw usage(`inputs mix ${[...kinds].join(" and ")} files; give one kind at a time`);
  const kind = [...kinds][0];
  const common: InputOptions = {
    field: o.field,
    kind: oneOf<FieldKind>(o.kind, ["scalar", "categorical"], "--kind"),
    units: o.units,
    fill: o.fill === undefined ? undefined : parseNumberList(o.fill, "--fill")[0],
    times: o.times === undefined ? undefined : parseNumberList(o.times, "--times"),
    timeUnits: o.timeUnits,
    origin: o.origin === undefined ? undefined : parseVec3(o.origin, "--origin"),
    spacing: o.spacing === undefined ? undefined : parseVec3(o.spacing, "--spacing"),
    axes: oneOf<AxisOrder>(o.axes, ["zyx", "xyz"], "--axes"),
    metadata: { code: "flatvox pack", created: new Date().toISOString(), ...parseMeta(o.meta) },
  };
  // Each reader (and its library: h5wasm, zarrita, ...) loads only when its format is packed.
  if (kind === "raw") {
    if (!o.dims || !o.dtype)
      throw usage("raw inputs need --dims nx,ny,nz and --dtype (the file's element type)");
    const { readRaw } = await import("../writer/inputs/raw");
    return readRaw(inputs, {
      ...common,
      dtype: parseDType(o.store, "--store"),
      dims: parseVec3(o.dims, "--dims", true),
      inputType: o.dtype,
      endian: oneOf(o.endian, ["little", "big"] as const, "--endian"),
      headerBytes: parseInteger(o.headerBytes, "--header-bytes", 0, Number.MAX_SAFE_INTEGER),
    });
  }
  if (o.dims) throw usage("--dims is only for raw inputs: .npy/.npz files and Zarr arrays carry their shape");
  const dtype = parseDType(o.store ?? o.dtype, o.store ? "--store" : "--dtype");
  if (kind === "vtk")
    return (await import("../writer/inputs/vti")).readVtk(inputs, { ...common, dtype, array: o.array });
  if ((o.array?.length ?? 0) > 1) throw usage("several --array are only for VTK inputs");
  const array = o.array?.[0];
  if (kind === "zarr")
    return (await import("../writer/inputs/zarr")).readZarr(inputs, { ...common, dtype, array });
  if (kind === "hdf5")
    return (await import("../writer/inputs/hdf5")).readHdf5(inputs, { ...common, dtype, array });
  if (kind === "nifti")
    return (await import("../writer/inputs/nifti")).readNifti(inputs, { ...common, dtype });
  if (array) throw usage("--array is only for Zarr, HDF5 and VTK inputs");
  if (kind === ".npy") return (await import("../writer/inputs/npy")).readNpy(inputs, { ...common, dtype });
  return (await import("../writer/inputs/npz")).readNpz(inputs, {
    ...common,
    dtype,
    arrays: o.arrays?.split(",").map((s) => s.trim()),
  });
}

export interface Progress {
  update(p: { step: number; steps: number; bytesIn: number; bytesOut: number }): void;
  stop(): void;
}

const MB = 1e6;

/** A progress bar on a terminal; a plain line every few seconds otherwise; nothing when quiet. */
export function createProgress(label: string, quiet = false): Progress {
  const started = performance.now();
  const rate = (bytes: number) =>
    (bytes / MB / Math.max(1e-3, (performance.now() - started) / 1000)).toFixed(1);
  if (quiet) return { update() {}, stop() {} };
  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | step {stepText}/{total} | {mbIn} MB in → {mbOut} MB out | {rate} MB/s | ETA {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
      },
      undefined,
    );
    let started2 = false;
    return {
      update(p) {
        const payload = {
          stepText: Math.floor(p.step),
          mbIn: (p.bytesIn / MB).toFixed(1),
          mbOut: (p.bytesOut / MB).toFixed(1),
          rate: rate(p.bytesIn),
        };
        if (!started2) {
          bar.start(p.steps, p.step, payload);
          started2 = true;
        } else bar.update(p.step, payload);
      },
      stop() {
        if (started2) bar.stop();
      },
    };
  }
  let last = started;
  return {
    update(p) {
      const now = performance.now();
      if (now - last < 5000 && p.step < p.steps) return;
      last = now;
      process.stderr.write(
        `${label}: step ${Math.floor(p.step)}/${p.steps}, ${(p.bytesIn / MB).toFixed(1)} MB in, ${(p.bytesOut / MB).toFixed(1)} MB out, ${rate(p.bytesIn)} MB/s\n`,
      );
    },
    stop() {},
  };
}

/** The closing summary: sizes, ratio, time, throughput, brick counts. */
export function summary(
  outPath: string,
  report: PackReport,
  bytesIn = report.bytesIn,
  seconds = report.seconds,
): string {
  const b = report.bricks;
  return [
    `wrote ${outPath}`,
    `  ${(bytesIn / MB).toFixed(1)} MB in → ${(report.bytesOut / MB).toFixed(1)} MB out (${(bytesIn / report.bytesOut).toFixed(2)}×) in ${seconds.toFixed(1)} s, ${(bytesIn / MB / Math.max(seconds, 1e-3)).toFixed(1)} MB/s`,
    `  bricks: ${b.total} (${b.uniform} uniform, ${b.deduped} reused from the previous step, ${b.delta} delta); ${report.compressor}`,
  ].join("\n");
}

export function packOptions(o: {
  brick?: string;
  level?: string;
  workers?: string;
  order?: string;
  delta?: boolean;
}): PackOptions {
  return {
    brickSize: parseInteger(o.brick, "--brick", 16, 256),
    zstdLevel: parseInteger(o.level, "--level", 1, 22),
    workers: parseInteger(o.workers, "--workers", 0, 64),
    order: oneOf(o.order, ["morton", "hilbert"] as const, "--order"),
    delta: o.delta,
  };
}

export async function runPack(
  inputs: string[],
  o: PackCliOptions,
  extra: PackOptions = {},
): Promise<PackReport> {
  const input = await openInputs(inputs, o);
  const progress = createProgress("pack", o.quiet);
  const started = performance.now();
  let report: PackReport;
  try {
    const options: PackOptions = {
      ...packOptions(o),
      features: featureOptions(o, input.spec),
      ...extra,
      onProgress: (p) => progress.update({ ...p, bytesIn: (input.bytesIn * p.step) / p.steps }),
    };
    report = o.part
      ? await (await import("../writer/part")).packPartCli(input.spec, input.steps, o.out, o.part, options)
      : await packDataset(input.spec, input.steps, o.out, options);
  } finally {
    progress.stop();
  }
  if (!o.quiet) console.log(summary(o.out, report, input.bytesIn, (performance.now() - started) / 1000));
  return report;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Add `pack <inputs...>` to the CLI. */
export function register(program: Command): void {
  const cmd = program
    .command("pack")
    .description(
      "write an .fvx dataset from .npy, .npz, Zarr (v2/v3 directory stores), HDF5/NetCDF-4, VTK ImageData (.vti, .pvd), NIfTI (.nii, .nii.gz) or raw binary files (several = a time series, in order)",
    )
    .argument(
      "<inputs...>",
      "input files of one kind: .npy, .npz, Zarr stores, HDF5/NetCDF-4, .vti (or one .pvd), .nii/.nii.gz, or raw binary",
    )
    .requiredOption("-o, --out <file>", "output .fvx file")
    .option("--dims <nx,ny,nz>", "raw: grid size (x varies fastest in the file)")
    .option(
      "--dtype <type>",
      "raw: the file's element type (u8 u16 i16 u32 f32 f64 i32 i64 u64 or a NumPy code like >f8); npy/npz: dtype to store",
    )
    .option("--store <dtype>", "stored dtype (u8 u16 i16 u32 f32); default derived from the input type")
    .option("--endian <order>", "raw: little or big", "little")
    .option("--header-bytes <n>", "raw: bytes to skip at the start of each file", "0")
    .option(
      "--arrays <names>",
      "npz: comma-separated array names, in time order (default: all, natural order)",
    )
    .option(
      "--array <path>",
      "zarr: the array's path in the store (default: the store is the array); hdf5/netcdf: the dataset's path (default: the only 3D/4D one); vti/pvd: a DataArray to pack, repeatable (default: every one-component point array, else every cell array)",
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option(
      "--axes <order>",
      "zyx: shape (nz,ny,nx) or (T,nz,ny,nx) [default]; xyz: shape (nx,ny,nz) or (nx,ny,nz,T)",
    )
    .option("--field <name>", "field name (default: the VTK array's name, else value)")
    .option("--kind <kind>", "scalar or categorical", "scalar")
    .option("--units <units>", "field units")
    .option("--fill <value>", "value meaning no data")
    .option("--times <list>", "time value of each timestep, comma-separated (default 0,1,2,...)")
    .option("--time-units <units>", "units of the time values")
    .option("--brick <n>", "brick edge in voxels, power of two 16..256", "64")
    .option("--level <n>", "zstd level")
    .option("--spacing <sx,sy,sz>", "voxel size in world units")
    .option("--origin <ox,oy,oz>", "world position of the grid corner")
    .option("--meta <key=value>", "metadata entry (repeatable)", collect)
    .option("--workers <n>", "compression worker threads")
    .option("--order <curve>", "brick order: morton or hilbert")
    .option("--no-delta", "never store delta bricks")
    .option(
      "--part <I/N>",
      "pack only part I of N (0-based; a contiguous range of timesteps) for `flatvox merge`",
    )
    .option("-q, --quiet", "no progress, no summary");
  addFeatureOptions(cmd, "no features unless given").action(async (inputs: string[], o: PackCliOptions) => {
    await runPack(inputs, o);
  });
}
