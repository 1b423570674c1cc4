/**
 * The Slurm job array for real: a single-node cluster (munged, slurmctld,
 * slurmd from Debian's slurm-wlm and munge) in a private network namespace
 * holding only loopback addresses; make-jobs.mjs writes the array (N = 3) and the
 * dependent merge; the merged file is compared with a single-process pack.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanupTemp, tempDir } from "../unit/reader/fixtures";
import { expectSameDataset } from "../unit/scale/compare";

afterAll(cleanupTemp);

const root = resolve(__dirname, "../..");
const have = (b: string) => spawnSync("sh", ["-c", `command -v ${b}`]).status === 0;
const missing = ["slurmctld", "slurmd", "munged", "sbatch", "unshare", "ip"].filter((b) => !have(b));
const isRoot = process.getuid?.() === 0;
// Included when FLATVOX_SLURM_TEST=1 (vite.config.ts; .ci/run sets it): then a host that cannot
// run the cluster fails here, saying why, instead of skipping.
const why = !isRoot
  ? "needs root (daemons, network namespace)"
  : missing.length
    ? `not installed: ${missing.join(", ")} (apt-get install slurm-wlm munge; scripts/ensure-system.sh does)`
    : "";

describe("Slurm job array on a loopback-only single-node cluster", () => {
  it("N = 3 array + dependent merge equals one process", { timeout: 600_000 }, () => {
    expect(why, "the Slurm cluster cannot be set up here").toBe("");
    const dir = tempDir();
    const flatvox = `node ${join(root, "bin/flatvox.js")}`;
    const demo = ["demo", "material", "--size", "40", "--steps", "7", "--brick", "16", "--seed", "4"];
    const out = join(dir, "run.fvx");
    execFileSync(process.execPath, [
      join(root, "scripts/slurm/make-jobs.mjs"),
      "--parts",
      "3",
      "--dir",
      join(dir, "jobs"),
      "--out",
      out,
      "--cpus",
      "1",
      "--flatvox",
      flatvox,
      "--",
      ...demo,
    ]);
    const script = [
      `ids=$(${join(dir, "jobs/submit.sh")})`,
      `echo "submitted $ids"`,
      `${join(root, "scripts/slurm/wait-job.sh")} "\${ids%% *}" 500`,
      `${join(root, "scripts/slurm/wait-job.sh")} "\${ids##* }" 500`,
    ].join(" && ");
    const r = spawnSync(
      join(root, "scripts/slurm/with-local-cluster.sh"),
      [join(dir, "cluster"), "bash", "-c", script],
      {
        encoding: "utf8",
        timeout: 400_000,
      },
    );
    const logs = existsSync(join(dir, "cluster/log/slurmctld.log"))
      ? readFileSync(join(dir, "cluster/log/slurmctld.log"), "utf8").slice(-2000)
      : "";
    expect(r.status, `${r.stdout}\n${r.stderr}\n${logs}`).toBe(0);
    expect(r.stdout).toMatch(/3 JobState=COMPLETED/); // the three array tasks
    for (const i of [0, 1, 2]) expect(existsSync(join(dir, `jobs/part-${i}.fvx`))).toBe(true);
    const single = join(dir, "single.fvx");
    execFileSync(process.execPath, [join(root, "bin/flatvox.js"), ...demo, "-q", "-o", single]);
    // Two separate runs of the demo: its "created" time differs, nothing else may.
    return expectSameDataset(out, single, { features: true, ignoreMetadata: ["created"] });
  });
});
