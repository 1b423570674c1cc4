/** `--s3-endpoint` / `--s3-part-size` for commands that write s3://bucket/key (src/writer/s3.ts). */
import type { Command } from "commander";
import type { S3Options } from "../writer/s3";
import { parseInteger } from "./arg-parsers";

export interface S3CliOptions {
  s3Endpoint?: string;
  s3PartSize?: string;
}

export function addS3Options(cmd: Command): Command {
  return cmd
    .option(
      "--s3-endpoint <url>",
      "s3:// outputs: endpoint of an S3-compatible store, addressed path-style [default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS]; credentials and region from the usual AWS_* variables",
    )
    .option("--s3-part-size <MiB>", "s3:// outputs: size of the first upload parts in MiB (5-512)", "16");
}

export function s3Options(o: S3CliOptions): S3Options {
  return {
    ...(o.s3Endpoint ? { endpoint: o.s3Endpoint } : {}),
    ...(o.s3PartSize ? { partSize: (parseInteger(o.s3PartSize, "--s3-part-size", 5, 512) ?? 16) << 20 } : {}),
  };
}
