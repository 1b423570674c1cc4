#!/usr/bin/env node
// The installable package's build, into dist/:
//  - tsc compiles src/ one file to one file (ESM + .d.ts, tsconfig.lib.json);
//  - relative imports are given the `.js` paths Node's ESM resolution needs,
//    and worker entries named `./x.ts` in `new URL(...)` become `./x.js`;
//  - the plain-JS worker modules (.mjs), styles and the WASM kernels are copied
//    (dist/wasm/, found by `new URL(..., import.meta.url)` in Node and bundlers);
//  - with --app, the viewer app itself (Vite production build) into dist/app,
//    which `flatvox view` serves.
// Usage: node scripts/build-lib.mjs [--app] [--if-stale]
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const root = resolve(new URL("..", import.meta.url).pathname);
process.chdir(root);
const withApp = process.argv.includes("--app");
const ifStale = process.argv.includes("--if-stale");

function walk(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

const INPUTS = ["src", "assembly", "tsconfig.json", "tsconfig.lib.json", "index.html", "vite.config.ts", "package.json"];
function newestInput() {
  let t = 0;
  for (const i of INPUTS) {
    if (!existsSync(i)) continue;
    const files = statSync(i).isDirectory() ? walk(i).filter((f) => !f.includes("/build/")) : [i];
    for (const f of files) t = Math.max(t, statSync(f).mtimeMs);
  }
  return t;
}
const stamp = "dist/.build-stamp";
if (ifStale && existsSync(stamp)) {
  const built = JSON.parse(readFileSync(stamp, "utf8"));
  if (built.inputs >= newestInput() && (!withApp || built.app)) process.exit(0);
}

const run = (cmd, args) => execFileSync(cmd, args, { stdio: "inherit" });
run("node", ["scripts/build-wasm.mjs"]);
rmSync("dist", { recursive: true, force: true });
run("npx", ["tsc", "-p", "tsconfig.lib.json"]);

// Files tsc does not emit: plain-JS workers and their declarations, styles.
for (const f of walk("src")) {
  if (!/\.(mjs|d\.mts|css)$/.test(f) || f.startsWith("src/sw/")) continue;
  const to = join("dist", relative("src", f));
  mkdirSync(dirname(to), { recursive: true });
  cpSync(f, to);
}
mkdirSync("dist/wasm", { recursive: true });
for (const w of ["flatvox.wasm", "flatvox-scalar.wasm"]) cpSync(join("assembly/build", w), join("dist/wasm", w));

/** `./x` → `./x.js` or `./x/index.js`, as the emitted tree has it. */
function resolveSpecifier(fromFile, spec, dts) {
  if (/\.(m?js|css|json|wasm)$/.test(spec)) return spec;
  const base = resolve(dirname(fromFile), spec);
  const ext = dts ? ".d.ts" : ".js";
  if (existsSync(base + ext)) return `${spec}.js`;
  if (existsSync(join(base, `index${ext}`))) return `${spec}/index.js`;
  throw new Error(`build-lib: cannot resolve ${spec} from ${fromFile}`);
}

const SPEC = /((?:\bfrom|\bimport)\s*\(?\s*)(["'])(\.{1,2}\/[^"']*)\2/g;
for (const f of walk("dist")) {
  const dts = f.endsWith(".d.ts");
  if (!dts && !f.endsWith(".js")) continue;
  let s = readFileSync(f, "utf8");
  const before = s;
  s = s.replace(SPEC, (_, lead, q, spec) => `${lead}${q}${resolveSpecifier(f, spec, dts)}${q}`);
  if (!dts) {
    // Worker entries and other files named by string: ./x.ts → ./x.js.
    s = s.replace(/(["'])(\.{1,2}\/[^"']+)\.tsx?\1/g, (_, q, p) => `${q}${p}.js${q}`);
    s = s.replaceAll("../../assembly/build/", "../wasm/");
  }
  if (s !== before) writeFileSync(f, s);
}

// The command overview, so `flatvox --help` needs none of the command modules.
const cli = await import(pathToFileURL(resolve("dist/cli/main.js")).href);
writeFileSync("dist/cli/commands.json", `${JSON.stringify(cli.summarize(await cli.buildProgram()), null, 1)}\n`);

let app = false;
if (withApp) {
  run("npx", ["vite", "build", "--outDir", "dist/app", "--emptyOutDir", "--sourcemap", "false", "--logLevel", "warn"]);
  app = true;
}
writeFileSync(stamp, JSON.stringify({ inputs: newestInput(), app }));
console.log(`build-lib: dist/ ${withApp ? "(library and app) " : ""}ready`);
