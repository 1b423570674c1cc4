/**
 * `npm run fuzz [-- --seconds N] [-- --target name,...]`: coverage-guided
 * fuzzing of every target (default 60 s each). Inputs that fail a check are
 * written to test/fuzz/regressions/<target>/ (replayed by `npm test` once
 * fixed); the report (targets, executions, coverage, failures) is printed as JSON.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { xxhash32 } from "../../src/format/xxhash32";
import { fuzz } from "./engine";
import { cleanupFuzz, prepare, TARGETS } from "./targets";

console.debug = () => {};
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const seconds = Number(arg("seconds") ?? 60);
const only = arg("target")?.split(",");
const seed = Number(arg("seed") ?? Date.now() % 2 ** 31);
const out = fileURLToPath(new URL("./regressions", import.meta.url));

await prepare();
const reports = [];
for (const t of TARGETS.filter((x) => !only || only.includes(x.name))) {
  const r = await fuzz(t, { seconds, seed });
  for (const f of r.failures) {
    const dir = join(out, t.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${xxhash32(f.input).toString(16).padStart(8, "0")}.bin`), f.input);
  }
  reports.push({
    target: r.target,
    executions: r.executions,
    execsPerSecond: Math.round(r.executions / r.seconds),
    corpus: r.corpus,
    srcBlocksCovered: r.blocks,
    failures: r.failures.map((f) => `${f.kind}: ${f.message}`),
  });
  console.error(`fuzz: ${t.name}: ${r.executions} inputs, ${r.blocks} blocks, ${r.failures.length} failures`);
}
cleanupFuzz();
console.log(JSON.stringify({ seed, secondsPerTarget: seconds, reports }, null, 2));
process.exit(reports.some((r) => r.failures.length) ? 1 : 0);
