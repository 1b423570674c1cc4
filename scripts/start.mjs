#!/usr/bin/env node
// `npm start`: build the WASM core, make sure the demo datasets exist, then
// run the viewer (Vite) with the datasets served at /data with Range support.
import { spawnSync } from "node:child_process";
import { ensureDemos } from "./demo-data.mjs";

const root = new URL("..", import.meta.url).pathname;
process.chdir(root);
const step = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
step("node", ["scripts/build-wasm.mjs"]);
ensureDemos();
const port = process.env.PORT ?? "5173";
const host = process.env.HOST ?? "127.0.0.1";
console.log(`flatvox: viewer at http://${host}:${port}/ (catalog of the demo datasets)`);
console.log(`flatvox: scalar demo   http://${host}:${port}/?url=data/gray-scott.fvx`);
console.log(`flatvox: material demo http://${host}:${port}/?url=data/material-world.fvx`);
step("npx", ["vite", "--host", host, "--port", port, "--strictPort"]);
