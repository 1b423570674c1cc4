#!/usr/bin/env node
// Lays out the site the browser tests load: .cache/site = the Vite production
// build + data/ holding the demo datasets and their catalog.
import { execFileSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { ensureDemos } from "./demo-data.mjs";

const root = new URL("..", import.meta.url).pathname;
process.chdir(root);
const demoDir = ensureDemos({ quiet: true });
execFileSync("node", ["scripts/build-wasm.mjs"], { stdio: "inherit" });
execFileSync("npx", ["vite", "build", "--outDir", ".cache/site", "--emptyOutDir", "--logLevel", "warn"], {
  stdio: "inherit",
});
rmSync(".cache/site/data", { recursive: true, force: true });
cpSync(demoDir, ".cache/site/data", { recursive: true, filter: (p) => !p.endsWith(".options") });
