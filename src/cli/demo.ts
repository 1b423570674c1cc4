/**
 * `flatvox demo`: run a simulation and pack its output. `scalar` is 3D
 * Gray–Scott reaction–diffusion; `material` is an eroding layered world.
 */
import type { Command } from "commander";
import { grayScottDemo } from "../demo/gray-scott";
import { materialWorldDemo } from "../demo/material-world";
import { FlatvoxError } from "../shared/errors";
import type { Vec3 } from "../shared/types";
import type { PackOptions, TimestepData } from "../writer/pack-types";
import { type PackReport, packDataset } from "../writer/packer";
import { createProgress, packOptions, parseInteger, parseVec3, summary } from "./pack";

export interface DemoCliOptions {
  out: string;
  size?: string;
  dims?: string;
  steps?: string;
  substeps?: string;
  seed?: string;
  fields?: string;
  brick?: string;
  level?: string;
  workers?: string;
  delta?: boolean;
  quiet?: boolean;
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
  if (kind === "scalar") {
    const fields = (o.fields ?? "v").split(",").map((s) => s.trim());
    if (!fields.every((f) => f === "u" || f === "v"))
      throw new FlatvoxError("InputError", "--fields: u, v or u,v");
    demo = grayScottDemo({ size, steps, substeps, seed, fields: fields as ("u" | "v")[] });
  } else if (kind === "material") {
    const dims: Vec3 | undefined = o.dims ? parseVec3(o.dims, "--dims", true) : undefined;
    demo = materialWorldDemo({ size: dims ?? size, steps, substeps, seed });
  } else {
    throw new FlatvoxError("InputError", `unknown demo '${kind}': scalar or material`);
  }
  const clock = { ms: 0 };
  const progress = createProgress(`demo ${kind}`, o.quiet);
  const started = performance.now();
  let report: PackReport;
  try {
    report = await packDataset(demo.spec, timed(demo.steps, clock), o.out, {
      ...packOptions(o),
      ...extra,
      onProgress: (p) => progress.update(p),
    });
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
  program
    .command("demo")
    .description(
      "simulate a demo dataset and pack it: scalar (3D Gray–Scott reaction–diffusion) or material (eroding layered world)",
    )
    .argument("<kind>", "scalar or material")
    .requiredOption("-o, --out <file>", "output .fvx file")
    .option("--size <n>", "grid edge in voxels", "128")
    .option("--dims <nx,ny,nz>", "material: non-cubic grid (z up), overrides --size")
    .option("--steps <n>", "saved timesteps", "24")
    .option("--substeps <n>", "simulation iterations between saved timesteps")
    .option("--seed <n>", "random seed", "1")
    .option("--fields <list>", "scalar: u, v or u,v", "v")
    .option("--brick <n>", "brick edge in voxels, power of two 16..256", "64")
    .option("--level <n>", "zstd level")
    .option("--workers <n>", "compression worker threads")
    .option("--no-delta", "never store delta bricks")
    .option("-q, --quiet", "no progress, no summary")
    .action(async (kind: string, o: DemoCliOptions) => {
      await runDemo(kind, o);
    });
}
