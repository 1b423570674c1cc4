/**
 * `flatvox merge <parts...> -o run.fvx`: assemble the parts written by
 * `flatvox pack|demo --part I/N` into one dataset (src/writer/merge.ts).
 */
import type { Command } from "commander";

interface MergeCliOptions {
  out: string;
  check?: boolean;
  features?: boolean;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command("merge")
    .description(
      "assemble part files (written with --part I/N) into one dataset; brick bytes are copied, not decoded",
    )
    .argument("<parts...>", "every part file of the dataset, in any order")
    .requiredOption("-o, --out <file>", "output .fvx file (or s3://bucket/key)")
    .option("--no-check", "do not check the copied bricks' checksums")
    .option("--no-features", "write no features even when the parts ask for them")
    .option("-q, --quiet", "no summary")
    .action(async (parts: string[], o: MergeCliOptions) => {
      const { mergeParts } = await import("../writer/merge");
      const r = await mergeParts(parts, o.out, {
        checkBricks: o.check,
        ...(o.features === false ? { features: null } : {}),
      });
      if (!o.quiet) {
        const mb = r.copiedBytes / 1e6;
        console.log(
          [
            `wrote ${o.out}`,
            `  ${r.parts} parts, ${r.timesteps} timesteps, ${(r.bytesOut / 1e6).toFixed(1)} MB`,
            `  copied ${mb.toFixed(1)} MB of bricks in ${r.copySeconds.toFixed(2)} s (${(mb / Math.max(r.copySeconds, 1e-3)).toFixed(0)} MB/s); ${r.recovered.bricks} boundary bricks deduplicated again (${(r.recovered.bytes / 1e6).toFixed(2)} MB)`,
          ].join("\n"),
        );
      }
    });
}
