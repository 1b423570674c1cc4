#!/usr/bin/env node
// Generates the demo datasets once and caches them under .cache/demo/.
// Re-generated only when missing (delete the folder to force it).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
export const demoDir = join(root, ".cache", "demo");

export const DEMOS = [
  { file: "gray-scott.fvx", kind: "scalar", title: "Gray–Scott reaction–diffusion (scalar)" },
  { file: "material-world.fvx", kind: "material", title: "Eroding material world (categorical)" },
];

export function ensureDemos({ quiet = false } = {}) {
  mkdirSync(demoDir, { recursive: true });
  for (const d of DEMOS) {
    const out = join(demoDir, d.file);
    if (existsSync(out)) continue;
    if (!quiet) console.log(`flatvox: generating demo dataset ${d.file} (first start only)…`);
    const tmp = `${out}.partial`;
    const r = spawnSync("node", [join(root, "bin/flatvox.js"), "demo", d.kind, "-o", tmp], { stdio: "inherit" });
    if (r.status !== 0) throw new Error(`demo generation failed for ${d.file}`);
    renameSync(tmp, out);
  }
  const catalog = DEMOS.map((d) => ({ url: `data/${d.file}`, title: d.title, kind: d.kind }));
  writeFileSync(join(demoDir, "catalog.json"), `${JSON.stringify({ datasets: catalog }, null, 2)}\n`);
  return demoDir;
}

if (import.meta.url === `file://${process.argv[1]}`) ensureDemos();
