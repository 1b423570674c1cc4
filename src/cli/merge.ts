/**
 * `flatvox merge <parts...> -o run.fvx`: assemble the parts written by
 * `flatvox pack|demo --part I/N` into one dataset (src/writer/merge.ts).
 */
import type { Command } from "commander";
import { addS3Options, type S3CliOptions, s3Options } from "./s3-options";

interface MergeCliOptions extends S3CliOptions {
  out: string;
  check?: boolean;
  features?: boolean;
  quiet?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command("merge")
    .description(
      "assemble part files (written with --part I/N) into one dataset; brick bytes are copied, not decoded",
    )
    .argument(
      "<parts...>",
      "every part file of the dataset, in any order (or every part's s3://bucket/key: the store then copies their bytes)",
    )
    .requiredOption("-o, --out <file>", "output .fvx file (or s3://bucket/key)")
    .option("--no-check", "do not check the copied bricks' checksums")
    .option("--no-features", "write no features even when the parts ask for them")
    .option("-q, --quiet", "no summary");
  addS3Options(cmd).action(async (parts: string[], o: MergeCliOptions) => {
    const { mergeParts } = await import("../writer/merge");
    const r = await mergeParts(parts, o.out, {
      checkBricks: o.check,
      s3: s3Options(o),
      ...(o.features === false ? { features: null } : {}),
    });
    if (!o.quiet) {
      const mb = r.copiedBytes / 1e6;
      console.log(
        [
          `wrote ${o.out}`,
          `  ${r.parts} parts, ${r.timesteps} timesteps, ${(r.bytesOut / 1e6).toFixed(1)} MB`,
          `  copied ${mb.toFixed(1)} MB of bricks in ${r.copySeconds.toFixed(2)} s (${(mb / Math.max(r.copySeconds, 1e-3)).toFixed(0)} MB/s); ${r.recovered.bricks} boundary bricks deduplicated again (${(r.recovered.bytes / 1e6).toFixed(2)} MB)`,
          ...(r.s3
            ? [
                `  object storage: ${(r.s3.uploadedBytes / 1e6).toFixed(1)} MB uploaded, ${(r.s3.serverCopiedBytes / 1e6).toFixed(1)} MB copied by the store, ${((r.s3.downloadedBytes + r.s3.partMetadataBytes) / 1e6).toFixed(1)} MB read back, ${r.s3.parts} parts`,
                ...(r.s3.copyFallback ? [`  note: ${r.s3.copyFallback}`] : []),
              ]
            : []),
        ].join("\n"),
      );
    }
  });
}
