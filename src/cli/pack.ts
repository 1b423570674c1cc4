/**
 * `flatvox pack`: write an .fvx from NumPy .npy/.npz or raw binary inputs.
 * Several inputs make a time series in the order given. Also home of the
 * progress display and summary shared with `flatvox demo`.
 */

import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { FlatvoxError } from "../shared/errors";
import { DTYPES, type DType, type FieldKind } from "../shared/types";
import { detectInput, refusalMessage } from "../writer/inputs/detect";
import type { InputDataset, InputOptions } from "../writer/inputs/series";
import type { AxisOrder } from "../writer/inputs/stored-array";
import type { MetadataValue, PackOptions } from "../writer/pack-types";
import { type PackReport, packDataset } from "../writer/packer";
import { parseInteger, parseNumberList, parseVec3 } from "./arg-parsers";
import { addFeatureOptions, type FeatureCliOptions, featureOptions } from "./feature-options";
import {
  addEncodingOptions,
  addRawInputOptions,
  type EncodingCliOptions,
  type RawInputCliOptions,
} from "./pack-cli-options";
import { addS3Options, type S3CliOptions, s3Options } from "./s3-options";

export interface PackCliOptions extends FeatureCliOptions, RawInputCliOptions, EncodingCliOptions {
  out: string;
  arrays?: string;
  /** Repeatable: every --array given, in order. */
  array?: string[];
  arraysAsTime?: boolean;
  channel?: string;
  indexGrid?: boolean;
  axes?: string;
  field?: string;
  kind?: string;
  units?: string;
  fill?: string;
  times?: string;
  timeUnits?: string;
  spacing?: string;
  origin?: string;
  meta?: string[];
  spillDir?: string;
  order?: string;
}

function usage(message: string): FlatvoxError {
  return new FlatvoxError("InputError", message);
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

/** Open the inputs as a dataset, choosing the reader from what each input is (detect.ts). */
export async function openInputs(inputs: string[], o: PackCliOptions): Promise<InputDataset> {
  const explicitRaw = o.dims !== undefined && o.dtype !== undefined;
  const detected = await Promise.all(inputs.map(async (f) => ({ f, d: await detectInput(f) })));
  for (const { f, d } of detected) {
    // An unsupported format is refused, unless the user asked to read the bytes raw.
    if (d.refusal && !explicitRaw) throw new FlatvoxError("InputError", refusalMessage(f, d), { file: f });
  }
  const kinds = new Set(detected.map(({ d }) => d.kind));
  if (kinds.size > 1)
    throw usage(
      `inputs mix ${[...new Set(detected.map(({ d }) => d.what))].join(" and ")}; give one kind at a time`,
    );
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
      throw usage(
        `${inputs[0]}: not a format flatvox recognises (no NumPy, zip/npz, NetCDF/HDF5, Zarr, TIFF, NIfTI or VTK XML signature); to read it as raw binary give --dims nx,ny,nz and --dtype (the element type)`,
      );
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
  const arrays = o.array?.length ? o.array : undefined;
  if (o.indexGrid && kind !== "hdf5" && kind !== "zarr")
    throw usage("--index-grid is only for NetCDF, HDF5 and Zarr inputs");
  if (o.channel !== undefined && kind !== "zarr") throw usage("--channel is only for OME-Zarr inputs");
  if (kind === "hdf5" || kind === "zarr") {
    // Both readers take named arrays on a coordinate grid (--index-grid); Zarr also OME channels.
    const gridded = { ...common, dtype, arrays, indexGrid: o.indexGrid };
    return kind === "hdf5"
      ? (await import("../writer/inputs/hdf5")).readHdf5(inputs, gridded)
      : (await import("../writer/inputs/zarr")).readZarr(inputs, { ...gridded, channel: o.channel });
  }
  if (kind === "tiff") return (await import("../writer/inputs/tiff")).readTiff(inputs, { ...common, dtype });
  if (kind === "vtk")
    return (await import("../writer/inputs/vti")).readVtk(inputs, { ...common, dtype, array: arrays });
  if (kind === "nifti")
    return (await import("../writer/inputs/nifti")).readNifti(inputs, { ...common, dtype });
  if (kind === "npy") {
    if (arrays) throw usage("--array is only for Zarr, NetCDF, HDF5, .npz and VTK inputs");
    return (await import("../writer/inputs/npy")).readNpy(inputs, { ...common, dtype });
  }
  const listed = o.arrays?.split(",").map((s) => s.trim());
  if (arrays && listed) throw usage("give either --array (repeatable) or --arrays, not both");
  return (await import("../writer/inputs/npz")).readNpz(inputs, {
    ...common,
    dtype,
    arrays: arrays ?? listed,
    arraysAsTime: o.arraysAsTime,
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

export function packOptions(
  o: S3CliOptions & EncodingCliOptions & { spillDir?: string; order?: string },
): PackOptions {
  const probe =
    o.probe || o.probeChunk !== undefined || o.probeGroup !== undefined
      ? {
          chunk: parseInteger(o.probeChunk, "--probe-chunk", 4, 256),
          group: parseInteger(o.probeGroup, "--probe-group", 1, 256),
        }
      : undefined;
  return {
    ...(probe ? { probe } : {}),
    brickSize: parseInteger(o.brick, "--brick", 16, 256),
    zstdLevel: parseInteger(o.level, "--level", 1, 22),
    workers: parseInteger(o.workers, "--workers", 0, 64),
    order: oneOf(o.order, ["morton", "hilbert"] as const, "--order"),
    delta: o.delta,
    spillDir: o.spillDir,
    s3: s3Options(o),
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
      "write an .fvx dataset from .npy, .npz, Zarr (v2/v3 stores, directories or http URLs; OME-Zarr), NetCDF (3 and 4)/HDF5, VTK ImageData (.vti, .pvd), NIfTI (.nii, .nii.gz), TIFF stacks or raw binary files (several = a time series, in order)",
    )
    .argument(
      "<inputs...>",
      "input files of one kind: .npy, .npz, Zarr stores (directory or URL), NetCDF/HDF5, .vti (or one .pvd), .nii/.nii.gz, TIFF (multi-page, or a directory/list of single pages), or raw binary",
    )
    .requiredOption("-o, --out <file>", "output .fvx file, or s3://bucket/key");
  addRawInputOptions(cmd)
    .option(
      "--arrays <names>",
      "npz: comma-separated array names (the fields; with --arrays-as-time the timesteps, in order)",
    )
    .option(
      "--arrays-as-time",
      "npz: the arrays are the timesteps of one field (natural name order, or the --arrays order), not fields",
    )
    .option(
      "--array <name>",
      "an array / variable to pack as a field, repeatable — netcdf/hdf5: a variable or dataset path (default: every 3D/4D numeric variable on the common grid); zarr: an array of the group (default: every 3D/4D numeric array on the common grid); npz: an array name; vti/pvd: a DataArray (default: every one-component point array, else every cell array)",
      collect,
    )
    .option(
      "--index-grid",
      "netcdf/hdf5/zarr: pack on an index grid when a coordinate is not uniform or descends (its values go into the metadata) instead of refusing",
    )
    .option(
      "--channel <c>",
      "OME-Zarr: pack only this channel (index or label; default: one field per channel)",
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
    .option("--spacing <sx,sy,sz>", "voxel size in world units")
    .option("--origin <ox,oy,oz>", "world position of the grid corner")
    .option("--meta <key=value>", "metadata entry (repeatable)", collect)
    .option(
      "--spill-dir <dir>",
      "directory for scratch files (about two raw timesteps; deleted as the pack ends) [default: the output's directory]",
    )
    .option("--order <curve>", "brick order: morton or hilbert");
  addEncodingOptions(cmd);
  addS3Options(cmd);
  addFeatureOptions(cmd, "no features unless given").action(async (inputs: string[], o: PackCliOptions) => {
    await runPack(inputs, o);
  });
}
