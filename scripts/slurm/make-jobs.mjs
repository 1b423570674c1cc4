#!/usr/bin/env node
/**
 * Write a Slurm job array that packs a dataset in N parts, and a merge job
 * that runs when every part has succeeded (docs/SCALE.md).
 *
 *   node scripts/slurm/make-jobs.mjs --parts 64 --dir jobs --out /scratch/run.fvx \
 *     [--flatvox "npx flatvox"] [--cpus 4] [--mem 8G] [--time 04:00:00] [--partition p] \
 *     -- pack /data/run/step_*.nc --array temperature
 *
 * writes jobs/pack.sbatch (sbatch --array=0-63), jobs/merge.sbatch and
 * jobs/submit.sh, which submits both (the merge with --dependency=afterok).
 * Rerun one failed part with `sbatch --array=I jobs/pack.sbatch`, then
 * `sbatch jobs/merge.sbatch`: parts and merge replace their output atomically.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

const argv = process.argv.slice(2);
const sep = argv.indexOf("--");
if (sep < 0 || sep === argv.length - 1) fail("give the flatvox command after --, e.g. -- pack inputs...");
const command = argv.slice(sep + 1);
const opts = {};
for (let i = 0; i < sep; i += 2) {
  const k = argv[i];
  if (!k.startsWith("--") || i + 1 >= sep) fail(`bad option ${k}`);
  opts[k.slice(2)] = argv[i + 1];
}
const parts = Number(opts.parts);
if (!Number.isInteger(parts) || parts < 1) fail("--parts N: a positive integer");
if (!opts.dir || !opts.out) fail("--dir and --out are required");
if (command.some((w) => w === "-o" || w === "--out" || w.startsWith("--part")))
  fail("leave -o and --part out of the command: the jobs add them");
const dir = resolve(opts.dir);
const out = opts.out.startsWith("s3://") ? opts.out : resolve(opts.out);
const flatvox = opts.flatvox ?? "flatvox";
const q = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);
const common = [
  opts.partition && `#SBATCH --partition=${opts.partition}`,
  opts.time && `#SBATCH --time=${opts.time}`,
  opts.mem && `#SBATCH --mem=${opts.mem}`,
  `#SBATCH --cpus-per-task=${opts.cpus ?? 2}`,
  "#SBATCH --nodes=1",
]
  .filter(Boolean)
  .join("\n");
mkdirSync(`${dir}/logs`, { recursive: true });
const part = (i) => `${dir}/part-${i}.fvx`;
writeFileSync(
  `${dir}/pack.sbatch`,
  `#!/bin/bash
#SBATCH --job-name=flatvox-pack
#SBATCH --array=0-${parts - 1}
#SBATCH --output=${dir}/logs/pack-%A_%a.out
${common}
# Part I of ${parts}: one contiguous range of timesteps. Rerunning a part replaces it.
set -euo pipefail
I=\${SLURM_ARRAY_TASK_ID:?run me with sbatch --array}
exec ${flatvox} ${command.map(q).join(" ")} --part "$I/${parts}" --workers \${SLURM_CPUS_PER_TASK:-2} -q -o "${dir}/part-$I.fvx"
`,
);
writeFileSync(
  `${dir}/merge.sbatch`,
  `#!/bin/bash
#SBATCH --job-name=flatvox-merge
#SBATCH --output=${dir}/logs/merge-%j.out
${common}
# Runs after every part succeeded; fails, naming it, when a part is missing.
set -euo pipefail
exec ${flatvox} merge ${Array.from({ length: parts }, (_, i) => q(part(i))).join(" ")} -o ${q(out)}
`,
);
writeFileSync(
  `${dir}/submit.sh`,
  `#!/bin/bash
# Submit the pack array, then the merge once all of it succeeded. Prints both job ids.
set -euo pipefail
pack=$(sbatch --parsable "${dir}/pack.sbatch")
merge=$(sbatch --parsable --dependency=afterok:\${pack%%;*} "${dir}/merge.sbatch")
echo "\${pack%%;*} \${merge%%;*}"
`,
);
chmodSync(`${dir}/submit.sh`, 0o755);
console.log(`wrote ${dir}/pack.sbatch (array 0-${parts - 1}), ${dir}/merge.sbatch, ${dir}/submit.sh`);

function fail(msg) {
  console.error(`make-jobs: ${msg}`);
  process.exit(2);
}
