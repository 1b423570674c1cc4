/**
 * A generated dataset placed in the test site: made once with `flatvox demo`
 * (kept under .cache/demo-large), copied to `.cache/site/data/`, and named by
 * its site-relative URL.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, renameSync } from "node:fs";

export function placeDataset(name: string, args: string[]): string {
  const cached = `.cache/demo-large/${name}`;
  if (!existsSync(cached)) {
    mkdirSync(".cache/demo-large", { recursive: true });
    const r = spawnSync("node", ["bin/flatvox.js", "demo", ...args, "-q", "-o", `${cached}.partial`], {
      stdio: "inherit",
    });
    if (r.status !== 0) throw new Error(`generating ${name} failed`);
    renameSync(`${cached}.partial`, cached);
  }
  copyFileSync(cached, `.cache/site/data/${name}`);
  return `data/${name}`;
}
