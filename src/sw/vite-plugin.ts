/**
 * Vite build plugin: writes sw.js next to the built app. The precache list
 * is every file the build wrote (scripts, workers, WASM, CSS, index.html,
 * public files), read from the output directory after the bundle is closed,
 * so worker and asset sub-builds are included; source maps are left out.
 * VERSION hashes the files' contents, so any change installs a new worker.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { type Plugin, transformWithOxc } from "vite";

const SKIP = [/\.map$/, /^sw\.js$/, /^data\//];

function listFiles(dir: string, root = dir): string[] {
  const out: string[] = [];
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) out.push(...listFiles(p, root));
    else out.push(relative(root, p).split("\\").join("/"));
  }
  return out;
}

export function serviceWorker(): Plugin {
  let outDir = "dist";
  let root = process.cwd();
  return {
    name: "flatvox-service-worker",
    apply: "build",
    configResolved(c) {
      root = c.root;
      outDir = resolve(c.root, c.build.outDir);
    },
    async closeBundle() {
      const files = listFiles(outDir)
        .filter((f) => !SKIP.some((re) => re.test(f)))
        .sort();
      const hash = createHash("sha256");
      for (const f of files) hash.update(f).update(readFileSync(join(outDir, f)));
      const version = hash.digest("hex").slice(0, 16);
      const srcPath = resolve(root, "src/sw/service-worker.ts");
      const { code } = await transformWithOxc(readFileSync(srcPath, "utf8"), srcPath, { lang: "ts" });
      const precache = files.map((f) => (f === "index.html" ? "./" : f)).concat("index.html");
      writeFileSync(
        join(outDir, "sw.js"),
        `const PRECACHE = ${JSON.stringify(precache)};\nconst VERSION = ${JSON.stringify(version)};\n${code}`,
      );
    },
  };
}
