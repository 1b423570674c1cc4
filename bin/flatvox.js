#!/usr/bin/env node
// The flatvox command. The installed package runs the compiled CLI in dist/
// (no TypeScript loader at run time). In a source checkout, where src/ is
// next to this file, the sources run through tsx so every edit takes effect
// at once; FLATVOX_CLI=dist runs the compiled build there too.
import { existsSync } from "node:fs";

const source = new URL("../src/cli/main.ts", import.meta.url);
let main;
if (process.env.FLATVOX_CLI !== "dist" && existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import("../dist/cli/main.js"));
}
await main(process.argv);
