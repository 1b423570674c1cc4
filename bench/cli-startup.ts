/**
 * CLI start-up: wall time and peak RSS (`/usr/bin/time -v`) of `flatvox
 * --help`, `flatvox inspect <file>` and `flatvox pack --help`, for
 *  - before: the sources through tsx, as `bin/flatvox.js` ran every command
 *    before the package build (what a source checkout still does), and
 *  - after: the compiled CLI in dist/, as the installed package runs it.
 * Interleaved (before, after, before, …) so machine load hits both alike.
 * With --baseline DIR, a third variant runs the compiled CLI of another
 * checkout (DIR/bin/flatvox.js with DIR/dist built), e.g. the commit before a
 * start-up change, interleaved with the others.
 * Prints JSON. Usage: npx tsx bench/cli-startup.ts [--rounds 7] [--baseline DIR]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const argRounds = process.argv.indexOf("--rounds");
const rounds = argRounds > 0 ? Number(process.argv[argRounds + 1]) : 7;
const argBaseline = process.argv.indexOf("--baseline");
const baseline = argBaseline > 0 ? process.argv[argBaseline + 1] : undefined;

execFileSync("node", ["scripts/build-lib.mjs", "--if-stale"], { cwd: root, stdio: "ignore" });
const dir = mkdtempSync(join(tmpdir(), "fvx-cli-startup-"));
const file = join(dir, "small.fvx");
execFileSync(
  "node",
  ["bin/flatvox.js", "demo", "scalar", "--size", "32", "--steps", "3", "--brick", "16", "-q", "-o", file],
  { cwd: root, env: { ...process.env, FLATVOX_CLI: "dist" } },
);

const COMMANDS: Record<string, string[]> = {
  help: ["--help"],
  inspect: ["inspect", file],
  "pack-help": ["pack", "--help"],
};
const VARIANTS: Record<string, Record<string, string>> = {
  before: { FLATVOX_CLI: "source" },
  after: { FLATVOX_CLI: "dist" },
  ...(baseline ? { baseline: { FLATVOX_CLI: "dist", BIN: join(baseline, "bin/flatvox.js") } } : {}),
};

function measure(args: string[], env: Record<string, string>): { ms: number; cpuMs: number; rssMB: number } {
  const r = spawnSync("/usr/bin/time", ["-v", "node", env.BIN ?? "bin/flatvox.js", ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`flatvox ${args.join(" ")} failed: ${r.stderr}`);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const user = /User time \(seconds\): ([\d.]+)/.exec(r.stderr);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(r.stderr);
  if (!wall || !rss || !user || !sys) throw new Error(`no /usr/bin/time -v figures in: ${r.stderr}`);
  // h:mm:ss or m:ss — the optional group is the hours.
  const ms = wall[1]
    ? (Number(wall[1]) * 3600 + Number(wall[2]) * 60 + Number(wall[3])) * 1000
    : (Number(wall[2]) * 60 + Number(wall[3])) * 1000;
  const cpuMs = (Number(user[1]) + Number(sys[1])) * 1000;
  return { ms: Math.round(ms), cpuMs: Math.round(cpuMs), rssMB: Math.round(Number(rss[1]) / 1024) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

const samples: Record<string, Record<string, { ms: number[]; cpuMs: number[]; rssMB: number[] }>> = {};
for (const c of Object.keys(COMMANDS)) {
  samples[c] = {};
  for (const v of Object.keys(VARIANTS)) samples[c][v] = { ms: [], cpuMs: [], rssMB: [] };
}
// One warm-up of each (file cache), not counted.
for (const c of Object.keys(COMMANDS))
  for (const v of Object.keys(VARIANTS)) measure(COMMANDS[c], VARIANTS[v]);
for (let i = 0; i < rounds; i++) {
  for (const c of Object.keys(COMMANDS)) {
    for (const v of Object.keys(VARIANTS)) {
      const m = measure(COMMANDS[c], VARIANTS[v]);
      samples[c][v].ms.push(m.ms);
      samples[c][v].cpuMs.push(m.cpuMs);
      samples[c][v].rssMB.push(m.rssMB);
    }
  }
}
rmSync(dir, { recursive: true, force: true });

const results = Object.fromEntries(
  Object.entries(samples).map(([c, byVariant]) => {
    const summary = Object.fromEntries(
      Object.entries(byVariant).map(([v, s]) => [
        v,
        {
          medianMs: median(s.ms),
          minMs: Math.min(...s.ms),
          medianCpuMs: median(s.cpuMs),
          medianRssMB: median(s.rssMB),
          ms: s.ms,
          rssMB: s.rssMB,
        },
      ]),
    );
    return [
      c,
      {
        ...summary,
        speedup: Number((summary.before.medianMs / summary.after.medianMs).toFixed(2)),
        ...(summary.baseline
          ? {
              speedupOverBaseline: Number((summary.baseline.medianMs / summary.after.medianMs).toFixed(2)),
              cpuOverBaseline: Number((summary.baseline.medianCpuMs / summary.after.medianCpuMs).toFixed(2)),
            }
          : {}),
      },
    ];
  }),
);
console.log(
  JSON.stringify(
    {
      bench: "cli-startup",
      rounds,
      node: process.version,
      loadavg: (await import("node:os")).loadavg(),
      results,
    },
    null,
    2,
  ),
);
