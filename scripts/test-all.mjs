#!/usr/bin/env node
// The one test command: system packages, WASM build, unit tests (Vitest),
// browser tests (Playwright in Debian's Chromium), then one summary line.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";

const root = new URL("..", import.meta.url).pathname;
process.chdir(root);
mkdirSync(".cache", { recursive: true });

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, ...env } });
  return r.status ?? 1;
}

if (run("bash", ["scripts/ensure-system.sh"]) !== 0) {
  console.error("test: could not install the system packages the tests need (chromium, nginx, zstd, slurm-wlm, munge)");
  process.exit(1);
}
if (run("node", ["scripts/build-wasm.mjs"]) !== 0) {
  console.error("test: the WebAssembly build failed");
  process.exit(1);
}
// The package build (dist/: library, compiled CLI, viewer app): the package and consumer tests use it.
if (run("node", ["scripts/build-lib.mjs", "--app", "--if-stale"]) !== 0) {
  console.error("test: the package build (scripts/build-lib.mjs) failed");
  process.exit(1);
}

// Static checks first: one linter/formatter for the tree, strict types.
let staticFailures = 0;
if (run("npx", ["biome", "check", "src", "test", "bench", "scripts", "bin"]) !== 0) staticFailures++;
if (run("npx", ["tsc", "-p", "."]) !== 0) staticFailures++;

const vitestJson = ".cache/vitest-results.json";
const pwJson = ".cache/playwright-results.json";
const only = process.argv[2]; // "unit" | "browser" | undefined
let unitStatus = 0;
let browserStatus = 0;
if (only !== "browser") {
  unitStatus = run("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestJson}`]);
}
if (only !== "unit") {
  browserStatus = run("npx", ["playwright", "test"], { PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson });
}

let passed = 0;
let failed = 0;
let skipped = 0;
if (only !== "browser") {
  if (existsSync(vitestJson)) {
    const v = JSON.parse(readFileSync(vitestJson, "utf8"));
    passed += v.numPassedTests;
    failed += v.numFailedTests + (v.numRuntimeErrors ?? 0);
    skipped += v.numPendingTests + v.numTodoTests;
    if (v.numTotalTestSuites > 0 && v.numFailedTestSuites > 0 && v.numFailedTests === 0) failed += v.numFailedTestSuites;
  } else failed += 1;
}
if (only !== "unit") {
  if (existsSync(pwJson)) {
    const p = JSON.parse(readFileSync(pwJson, "utf8"));
    passed += p.stats.expected + p.stats.flaky;
    failed += p.stats.unexpected;
    skipped += p.stats.skipped;
  } else failed += 1;
}
failed += staticFailures;
if ((unitStatus !== 0 || browserStatus !== 0) && failed === 0) failed = 1;
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
