#!/usr/bin/env node
// `npm run bench [name...]`: runs the benchmark scripts under bench/ one after
// another (never in parallel: 2 noisy cores), saving each one's JSON output to
// .cache/bench-results/<name>.json. Benchmarks measure; tests assert.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
process.chdir(root);
const all = readdirSync("bench")
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.replace(/\.ts$/, ""));
const wanted = process.argv.slice(2);
const names = wanted.length ? all.filter((n) => wanted.includes(n)) : all;
if (wanted.length && names.length !== wanted.length) {
  console.error(`unknown bench: ${wanted.filter((w) => !all.includes(w)).join(", ")}; have: ${all.join(", ")}`);
  process.exit(2);
}
spawnSync("node", ["scripts/build-wasm.mjs"], { stdio: "inherit" });
const outDir = join(".cache", "bench-results");
mkdirSync(outDir, { recursive: true });
let failed = 0;
for (const name of names) {
  console.error(`bench: ${name}`);
  const r = spawnSync("npx", ["tsx", `bench/${name}.ts`], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (r.status !== 0) {
    failed++;
    console.error(`bench: ${name} failed (exit ${r.status})`);
    continue;
  }
  writeFileSync(join(outDir, `${name}.json`), r.stdout);
  process.stdout.write(r.stdout);
}
process.exit(failed ? 1 : 0);
