/** The feature options shared by `flatvox pack` and `flatvox demo`. */
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import type { Command } from "commander";
import { parseFeatureFile } from "../index/feature-file";
import type { PackFeatureOptions } from "../index/pack-feature-options";
import { FlatvoxError } from "../shared/errors";
import type { DatasetSpec } from "../writer/pack-types";
import { parseInteger, parseNumberList } from "./arg-parsers";

export interface FeatureCliOptions {
  /** commander: `--no-features` sets false. */
  features?: string | boolean;
  featuresThreshold?: string;
  featuresMaterials?: string;
  featuresField?: string;
  featuresMinVoxels?: string;
}

export function addFeatureOptions(cmd: Command, defaults: string): Command {
  return cmd
    .option("--features <file>", "features from a .json or .csv file instead of extracting them")
    .option("--no-features", "write no features")
    .option("--features-threshold <v>", `scalar field: voxels above v form features (${defaults})`)
    .option("--features-materials <ids>", "categorical field: material ids forming features, comma-separated")
    .option("--features-field <name>", "field to extract features from (default: the first)")
    .option("--features-min-voxels <n>", "drop regions smaller than n voxels", "8");
}

/**
 * Feature options for the packer: from a file, from explicit extraction
 * options, or from `fallback` (the demos' defaults); undefined for none.
 */
export function featureOptions(
  o: FeatureCliOptions,
  spec: DatasetSpec,
  fallback?: PackFeatureOptions,
): PackFeatureOptions | undefined {
  if (o.features === false) return undefined;
  const minVoxels = parseInteger(o.featuresMinVoxels, "--features-min-voxels", 1, 2 ** 31);
  if (typeof o.features === "string") {
    const ext = extname(o.features).toLowerCase();
    if (ext !== ".json" && ext !== ".csv")
      throw new FlatvoxError("InputError", `--features: expected a .json or .csv file, got '${o.features}'`);
    let text: string;
    try {
      text = readFileSync(o.features, "utf8");
    } catch (e) {
      throw new FlatvoxError("InputError", `--features: cannot read ${o.features} (${(e as Error).message})`);
    }
    return { instances: parseFeatureFile(text, ext === ".json" ? "json" : "csv", spec.times) };
  }
  const threshold =
    o.featuresThreshold === undefined
      ? undefined
      : parseNumberList(o.featuresThreshold, "--features-threshold");
  if (threshold && threshold.length !== 1)
    throw new FlatvoxError("InputError", "--features-threshold: one number");
  const materials =
    o.featuresMaterials === undefined
      ? undefined
      : parseNumberList(o.featuresMaterials, "--features-materials");
  if (threshold === undefined && materials === undefined && o.featuresField === undefined) {
    return fallback && { ...fallback, minVoxels: minVoxels ?? fallback.minVoxels };
  }
  return {
    ...fallback,
    field: o.featuresField ?? fallback?.field,
    threshold: threshold?.[0] ?? fallback?.threshold,
    materials: materials ?? fallback?.materials,
    minVoxels,
  };
}
