/**
 * Where a writer's bytes go. The packer and merge write a dataset front to
 * back (`append`), then one positional write of the open block at offset 0
 * (`writeAt`), then `commit` makes the result visible under its name at once:
 * a local file is renamed from its partial name, an S3 object's multipart
 * upload is completed. Until `commit` nothing exists under the output name;
 * `abandon` removes every trace (the partial file, the unfinished upload).
 */
import { tmpdir } from "node:os";
import { dirname } from "node:path";
import { OPEN_BLOCK_SIZE } from "../format/constants";
import { FileSink } from "./file-sink";
import { isS3Url, type S3Options, S3Sink } from "./s3";

export interface Sink {
  /** Offset of the next appended byte. */
  position: number;
  /** Append bytes; returns the offset they start at. */
  append(bytes: Uint8Array): number;
  /** Hand buffered bytes on (a file: write them; S3: nothing, parts go as they fill). */
  flush(): void;
  /** Overwrite bytes already appended. S3 allows this only inside the open block (its first part is held back). */
  writeAt(position: number, bytes: Uint8Array): void;
  close(): void;
  /** Wait until the bytes handed over are few enough to go on (S3: uploads in flight). */
  ready(): Promise<void>;
  /** Publish the output under its final name, in one step. */
  commit(): Promise<void>;
  /** Give up: remove the partial output. Never throws. */
  abandon(): Promise<void>;
}

export interface OutputSinkOptions {
  s3?: S3Options;
}

/** A sink for a new dataset at `out` (a path or s3://bucket/key), starting after the reserved open block. */
export function openOutputSink(out: string, opts: OutputSinkOptions = {}): Sink {
  if (isS3Url(out)) return new S3Sink(out, opts.s3, OPEN_BLOCK_SIZE);
  return new PartialFileSink(out);
}

/** Scratch space for a writer whose output is `out` (object storage has none: the system's temporary directory). */
export function scratchDirFor(out: string): string {
  return isS3Url(out) ? tmpdir() : dirname(out);
}

/** A FileSink writing `<out>.partial-<pid>`, renamed to `out` on commit. */
export class PartialFileSink extends FileSink implements Sink {
  private readonly partial: string;
  constructor(private readonly out: string) {
    const partial = `${out}.partial-${process.pid}`;
    super(partial, OPEN_BLOCK_SIZE);
    this.partial = partial;
  }
  async ready(): Promise<void> {}
  async commit(): Promise<void> {
    const { renameSync } = await import("node:fs");
    this.close();
    renameSync(this.partial, this.out);
  }
  async abandon(): Promise<void> {
    super.abandonFile(this.partial);
  }
}
