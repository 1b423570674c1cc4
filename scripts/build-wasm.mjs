#!/usr/bin/env node
// Compiles assembly/ into assembly/build/: flatvox.wasm (SIMD) and
// flatvox-scalar.wasm (no SIMD, for benchmarks and engines without SIMD).
// Skips the work when every output is newer than every source.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { ascDeclarations, exportsModule } from "./wasm-exports.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = join(root, "assembly");
const outDir = join(srcDir, "build");
const entry = join(srcDir, "index.ts");
const common = ["-O3", "--runtime", "stub", "--noAssert"];
const targets = [
  { file: "flatvox.wasm", flags: ["--enable", "simd"] },
  { file: "flatvox-scalar.wasm", flags: [] },
];

function sources(dir) {
  const files = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (p !== outDir) files.push(...sources(p));
    } else if (e.name.endsWith(".ts") || e.name.endsWith(".json")) files.push(p);
  }
  return files;
}

function mtime(p) {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return -1;
  }
}

const newestSource = Math.max(mtime(fileURLToPath(import.meta.url)), ...sources(srcDir).map(mtime));
const stale = targets.filter((t) => mtime(join(outDir, t.file)) < newestSource);
const force = process.argv.includes("--force");
if (!force && stale.length === 0) {
  console.log("build-wasm: up to date");
  process.exit(0);
}

mkdirSync(outDir, { recursive: true });
const asc = (await import("assemblyscript/asc")).default;
for (const t of force ? targets : stale) {
  const out = join(outDir, t.file);
  const started = performance.now();
  const { error } = await asc.main([relative(root, entry), ...common, ...t.flags, "-o", relative(root, out)], {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: root,
  });
  if (error) {
    console.error(`build-wasm: ${t.file} failed: ${error.message}`);
    process.exit(1);
  }
  console.log(`build-wasm: ${t.file} (${statSync(out).size} bytes, ${Math.round(performance.now() - started)} ms)`);
}

// The TypeScript view of the exports, generated from asc's declarations (written only when it changes).
const generated = join(root, "src/core/wasm/generated/exports.ts");
const text = exportsModule(await ascDeclarations(root));
let current = "";
try {
  current = readFileSync(generated, "utf8");
} catch {}
if (text !== current) {
  mkdirSync(dirname(generated), { recursive: true });
  writeFileSync(generated, text);
  console.log("build-wasm: src/core/wasm/generated/exports.ts updated");
}
