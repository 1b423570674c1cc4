/**
 * `flatvox append <file> <inputs...>`: add timesteps to an existing dataset
 * without rewriting its body (src/writer/append.ts). Inputs are read as by
 * `flatvox pack`; their fields must be the dataset's.
 */
import type { Command } from "commander";
import { parseNumberList } from "./arg-parsers";
import { addFeatureOptions, type FeatureCliOptions, featureOptions } from "./feature-options";
import type { PackCliOptions } from "./pack";
import { addRawInputOptions } from "./pack-cli-options";
import { addS3Options, type S3CliOptions, s3Options } from "./s3-options";

interface AppendCliOptions extends Omit<PackCliOptions, "out">, FeatureCliOptions, S3CliOptions {
  quiet?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command("append")
    .description(
      "add timesteps to an .fvx in place: new bricks and pages at the end, then the open block in one write",
    )
    .argument("<file>", "the dataset to grow (or s3://bucket/key: replaced by a new version in one step)")
    .argument("<inputs...>", "input files of the new timesteps (kinds as for pack), in time order")
    .option("--times <list>", "time values of the new timesteps (default: continue the last time step)");
  addRawInputOptions(cmd, "the dataset's")
    .option(
      "--array <path>",
      "zarr/hdf5/vtk: the array to read (repeatable for VTK)",
      (v: string, p?: string[]) => [...(p ?? []), v],
    )
    .option("--arrays <names>", "npz: array names, in time order")
    .option("--axes <order>", "zyx or xyz")
    .option("--field <name>", "field name of a one-field input (default: the dataset's first field)")
    .option("--kind <kind>", "scalar or categorical")
    .option("--fill <value>", "value meaning no data")
    .option("--workers <n>", "compression worker threads")
    .option("-q, --quiet", "no summary");
  addS3Options(cmd);
  addFeatureOptions(
    cmd,
    "give those the dataset was packed with to extend its features and tracks over the new steps; none given: the old features stay as they are",
  ).action(async (file: string, inputs: string[], o: AppendCliOptions) => {
    const [{ appendTimesteps, readDatasetHead }, { openInputs }, { specFromHeader }] = await Promise.all([
      import("../writer/append"),
      import("./pack"),
      import("../writer/fvx-file"),
    ]);
    const s3 = s3Options(o);
    const existing = await readDatasetHead(file, s3);
    const h = existing.header;
    const times = o.times === undefined ? undefined : parseNumberList(o.times, "--times");
    const input = await openInputs(inputs, {
      ...o,
      out: file,
      field: o.field ?? h.fields[0].name,
      kind: o.kind ?? h.fields[0].kind,
      store: o.store ?? (o.dtype === undefined ? h.fields[0].dtype : undefined),
    } as PackCliOptions);
    const n = input.spec.times.length;
    const last = existing.times[existing.times.length - 1];
    const step = existing.times.length > 1 ? last - existing.times[existing.times.length - 2] : 1;
    const r = await appendTimesteps(
      file,
      {
        times: times ?? Array.from({ length: n }, (_, i) => last + (i + 1) * step),
        steps: input.steps,
        fields: input.spec.fields,
      },
      {
        workers: o.workers === undefined ? undefined : Number(o.workers),
        s3,
        features: hasFeatureOption(o)
          ? featureOptions(o, specFromHeader(h, existing.times, existing.metadata))
          : undefined,
      },
    );
    if (!o.quiet)
      console.log(
        `appended ${r.added} timesteps to ${file}: ${r.timesteps} in all, ${(r.appendedBytes / 1e6).toFixed(2)} MB added, ${r.seconds.toFixed(1)} s`,
      );
  });
}

/** Whether any --features-* option was given (append extends features only when asked). */
function hasFeatureOption(o: FeatureCliOptions): boolean {
  return (
    Object.entries(o).some(([k, v]) => k.startsWith("features") && k !== "features" && v !== undefined) ||
    typeof (o as { features?: unknown }).features === "string"
  );
}
