/**
 * `flatvox demo`: run a simulation and pack its output. `scalar` is 3D
 * Gray–Scott reaction–diffusion; `material` is an eroding layered world.
 */
import type { Command } from "commander";
import { grayScottDemo } from "../demo/gray-scott";
import { MAT, MATERIALS, materialWorldDemo } from "../demo/material-world";
import type { PackFeatureOptions } from "../index/pack-feature-options";
import { FlatvoxError } from "../shared/errors";
import type { Vec3 } from "../shared/types";
import type { PackOptions, TimestepData } from "../writer/pack-types";
import { type PackReport, packDataset } from "../writer/packer";
import { parseInteger, parseVec3 } from "./arg-parsers";
import { addFeatureOptions, type FeatureCliOptions, featureOptions } from "./feature-options";
import { createProgress, packOptions, summary } from "./pack";
import { addEncodingOptions, type EncodingCliOptions } from "./pack-cli-options";
import { addS3Options } from "./s3-options";

/**
 * Gray–Scott features: regions where the activator v exceeds half its peak
 * (~0.5), i.e. the cores of spots and worms. Measured at 128³, 24 steps: 50–60
 * regions per step (≈1,300 instances), and nearly the same count anywhere in 0.1–0.35.
 */
export const GRAY_SCOTT_FEATURE_THRESHOLD = 0.25;

/** Material-world features: water bodies and ore bodies. */
export const MATERIAL_FEATURES = [MAT.water, MAT.iron, MAT.copper, MAT.gold];

export interface DemoCliOptions extends FeatureCliOptions, EncodingCliOptions {
  out: string;
  size?: string;
  dims?: string;
  steps?: string;
  substeps?: string;
  seed?: string;
  fields?: string;
  s3Endpoint?: string;
  s3PartSize?: string;
}

/** Wrap a lazy generator to measure the time spent producing timesteps. */
function timed(steps: Iterable<TimestepData>, clock: { ms: number }): Iterable<TimestepData> {
  return {
    *[Symbol.iterator]() {
      const it = steps[Symbol.iterator]();
      for (;;) {
        const t0 = performance.now();
        const r = it.next();
        clock.ms += performance.now() - t0;
        if (r.done) return;
        yield r.value;
      }
    },
  };
}

export async function runDemo(kind: string, o: DemoCliOptions, extra: PackOptions = {}): Promise<PackReport> {
  const size = parseInteger(o.size, "--size", 8, 1024);
  const steps = parseInteger(o.steps, "--steps", 1, 100000);
  const substeps = parseInteger(o.substeps, "--substeps", 1, 100000);
  const seed = parseInteger(o.seed, "--seed", 0, 2 ** 32 - 1);
  let demo: ReturnType<typeof grayScottDemo>;
  let defaultFeatures: PackFeatureOptions | undefined;
  if (kind === "scalar") {
    const fields = (o.fields ?? "v").split(",").map((s) => s.trim());
    if (!fields.every((f) => f === "u" || f === "v"))
      throw new FlatvoxError("InputError", "--fields: u, v or u,v");
    demo = grayScottDemo({ size, steps, substeps, seed, fields: fields as ("u" | "v")[] });
    if (fields.includes("v"))
      defaultFeatures = { field: "v", threshold: GRAY_SCOTT_FEATURE_THRESHOLD, type: "spot" };
  } else if (kind === "material") {
    const dims: Vec3 | undefined = o.dims ? parseVec3(o.dims, "--dims", true) : undefined;
    demo = materialWorldDemo({ size: dims ?? size, steps, substeps, seed });
    defaultFeatures = {
      materials: MATERIAL_FEATURES,
      materialNames: Object.fromEntries(MATERIALS.map((m) => [m.id, m.name])),
    };
  } else {
    throw new FlatvoxError("InputError", `unknown demo '${kind}': scalar or material`);
  }
  const clock = { ms: 0 };
  const progress = createProgress(`demo ${kind}`, o.quiet);
  const started = performance.now();
  let report: PackReport;
  try {
    const options: PackOptions = {
      ...packOptions(o),
      features: featureOptions(o, demo.spec, defaultFeatures),
      ...extra,
      onProgress: (p) => progress.update(p),
    };
    report = o.part
      ? await (await import("../writer/part")).packPartCli(
          demo.spec,
          timed(demo.steps, clock),
          o.out,
          o.part,
          options,
        )
      : await packDataset(demo.spec, timed(demo.steps, clock), o.out, options);
  } finally {
    progress.stop();
  }
  if (!o.quiet) {
    const total = (performance.now() - started) / 1000;
    console.log(summary(o.out, report, report.bytesIn, total));
    console.log(
      `  simulation ${(clock.ms / 1000).toFixed(1)} s, packing ${(total - clock.ms / 1000).toFixed(1)} s`,
    );
  }
  return report;
}

/** Add `demo <scalar|material>` to the CLI. */
export function register(program: Command): void {
  const cmd = program
    .command("demo")
    .description(
      "simulate a demo dataset and pack it: scalar (3D Gray–Scott reaction–diffusion) or material (eroding layered world)",
    )
    .argument("<kind>", "scalar or material")
    .requiredOption("-o, --out <file>", "output .fvx file, or s3://bucket/key")
    .option("--size <n>", "grid edge in voxels", "128")
    .option("--dims <nx,ny,nz>", "material: non-cubic grid (z up), overrides --size")
    .option("--steps <n>", "saved timesteps", "24")
    .option("--substeps <n>", "simulation iterations between saved timesteps")
    .option("--seed <n>", "random seed", "1")
    .option("--fields <list>", "scalar: u, v or u,v", "v");
  addEncodingOptions(cmd);
  addS3Options(cmd);
  addFeatureOptions(
    cmd,
    `demo default ${GRAY_SCOTT_FEATURE_THRESHOLD} on v; material: water and ore bodies`,
  ).action(async (kind: string, o: DemoCliOptions) => {
    await runDemo(kind, o);
  });
}
