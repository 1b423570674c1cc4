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
