#!/usr/bin/env node
// Generates the demo datasets once and caches them under .cache/demo/, with
// their catalog (`flatvox catalog build`, rebuilt when a dataset is newer).
// Re-generated only when missing or generated with other options (each file's
// options are kept beside it in <file>.options; delete the folder to force it).
// The demos carry a probe index (`--probe`, docs/FORMAT.md §16): values over
// time at a clicked voxel cost a few requests instead of one brick per step.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
export const demoDir = join(root, ".cache", "demo");

export const DEMOS = [
  { file: "gray-scott.fvx", kind: "scalar", options: ["--probe"] },
  { file: "material-world.fvx", kind: "material", options: ["--probe"] },
];

export function ensureDemos({ quiet = false } = {}) {
  mkdirSync(demoDir, { recursive: true });
  for (const d of DEMOS) {
    const out = join(demoDir, d.file);
    const stamp = `${out}.options`;
    const options = JSON.stringify(d.options);
    if (existsSync(out) && existsSync(stamp) && readFileSync(stamp, "utf8") === options) continue;
    if (!quiet) console.log(`flatvox: generating demo dataset ${d.file} (first start only)…`);
    const tmp = `${out}.partial`;
    const r = spawnSync("node", [join(root, "bin/flatvox.js"), "demo", d.kind, ...d.options, "-o", tmp], {
      stdio: "inherit",
    });
    if (r.status !== 0) throw new Error(`demo generation failed for ${d.file}`);
    renameSync(tmp, out);
    writeFileSync(stamp, options);
  }
  const catalog = join(demoDir, "catalog.json");
  const newest = Math.max(...DEMOS.map((d) => statSync(join(demoDir, d.file)).mtimeMs));
  if (!existsSync(catalog) || statSync(catalog).mtimeMs < newest) {
    const files = DEMOS.map((d) => join(demoDir, d.file));
    const r = spawnSync("node", [join(root, "bin/flatvox.js"), "catalog", "build", ...files, "-o", catalog, "-q"], {
      stdio: "inherit",
    });
    if (r.status !== 0) throw new Error("building the demo catalog failed");
  }
  return demoDir;
}

if (import.meta.url === `file://${process.argv[1]}`) ensureDemos();
