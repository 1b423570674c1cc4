/**
 * The `flatvox` command line: every subcommand lives in its own module and
 * registers itself here. Only the module of the command being run is loaded,
 * so a command starts without importing the readers and writers of the others;
 * the overview (`flatvox --help`) comes from dist/cli/commands.json, written
 * by the package build, or, in a source checkout, from all the modules.
 */
import { Command } from "commander";
import { isFlatvoxError } from "../shared/errors";

type Register = (program: Command) => void;

export const COMMANDS: Record<string, () => Promise<{ register: Register }>> = {
  pack: () => import("./pack"),
  merge: () => import("./merge"),
  append: () => import("./append"),
  demo: () => import("./demo"),
  inspect: () => import("./inspect"),
  verify: () => import("./verify"),
  query: () => import("./query"),
  serve: () => import("./serve"),
  view: () => import("./view"),
  extract: () => import("./extract"),
  catalog: () => import("./catalog"),
};

/** One line of the command overview: `name [options] <args>` and the description. */
export interface CommandSummary {
  name: string;
  term: string;
  description: string;
}

function newProgram(): Command {
  return new Command("flatvox")
    .description("Write, inspect, verify, query, serve, view and catalog cloud-optimized .fvx voxel datasets")
    .version("0.1.0")
    .showHelpAfterError();
}

/** The program with every command registered. */
export async function buildProgram(): Promise<Command> {
  const program = newProgram();
  for (const load of Object.values(COMMANDS)) (await load()).register(program);
  return program;
}

/** The overview lines of a program's commands (what the package build stores). */
export function summarize(program: Command): CommandSummary[] {
  const help = program.createHelp();
  return program.commands.map((c) => ({
    name: c.name(),
    term: help.subcommandTerm(c),
    description: c.description(),
  }));
}

async function storedSummaries(): Promise<CommandSummary[] | undefined> {
  try {
    const { readFile } = await import("node:fs/promises");
    return JSON.parse(await readFile(new URL("./commands.json", import.meta.url), "utf8"));
  } catch {
    return undefined;
  }
}

/** The program for one command line: only the named command's module is loaded. */
export async function programFor(argv: string[]): Promise<Command> {
  const words = argv.slice(2).filter((a) => !a.startsWith("-"));
  const name = words[0] === "help" ? words[1] : words[0];
  const load = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (load) {
    const program = newProgram();
    (await load()).register(program);
    return program;
  }
  const stored = await storedSummaries();
  if (!stored) return buildProgram();
  // Overview, `help`, or an unknown command: stand-ins with the stored lines are enough.
  const program = newProgram();
  const terms = new Map(stored.map((s) => [s.name, s.term]));
  for (const s of stored) program.command(s.name).description(s.description);
  const term = program.createHelp().subcommandTerm;
  program.configureHelp({ subcommandTerm: (c) => terms.get(c.name()) ?? term.call(program.createHelp(), c) });
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await (await programFor(argv)).parseAsync(argv);
  } catch (e) {
    if (isFlatvoxError(e)) {
      process.stderr.write(`flatvox: ${e.tag}: ${e.message}\n`);
      process.exitCode = 2;
    } else {
      throw e;
    }
  }
}
