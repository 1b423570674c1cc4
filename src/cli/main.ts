/**
 * The `flatvox` command line: every subcommand lives in its own module and
 * registers itself here.
 */
import { Command } from "commander";
import { isFlatvoxError } from "../shared/errors";
import { register as registerAppend } from "./append";
import { register as registerCatalog } from "./catalog";
import { register as registerDemo } from "./demo";
import { register as registerInspect } from "./inspect";
import { register as registerMerge } from "./merge";
import { register as registerPack } from "./pack";
import { register as registerQuery } from "./query";
import { register as registerServe } from "./serve";
import { register as registerVerify } from "./verify";

export function buildProgram(): Command {
  const program = new Command("flatvox")
    .description("Write, inspect, verify, query, serve and catalog cloud-optimized .fvx voxel datasets")
    .version("0.1.0")
    .showHelpAfterError();
  for (const register of [
    registerPack,
    registerMerge,
    registerAppend,
    registerDemo,
    registerInspect,
    registerVerify,
    registerQuery,
    registerServe,
    registerCatalog,
  ]) {
    register(program);
  }
  // The module is loaded only when the command runs.
  program
    .command("extract")
    .description("write one voxel box of one timestep and level as .npy (or CSV)")
    .argument("<file-or-url>", ".fvx file path or http(s) URL")
    .requiredOption("--box <x0,y0,z0,x1,y1,z1>", "half-open voxel box in the level's coordinates")
    .requiredOption("--t <index>", "timestep index")
    .option("--level <n>", "resolution level (0 = full)", "0")
    .option("--field <name>", "field name or index (default the first)")
    .option("--format <npy|csv>", "output format (default from the -o extension, else npy)")
    .requiredOption("-o, --out <path>", "output file")
    .option("-q, --quiet", "no summary")
    .action(async (target: string, o: import("./extract").ExtractCliOptions) => {
      const r = await (await import("./extract")).runExtract(target, o);
      if (!o.quiet)
        console.log(`${r.out}: ${r.field} t=${r.t} level ${r.level}, ${r.voxels} voxels, ${r.bytes} bytes`);
    });
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    if (isFlatvoxError(e)) {
      process.stderr.write(`flatvox: ${e.tag}: ${e.message}\n`);
      process.exitCode = 2;
    } else {
      throw e;
    }
  }
}
