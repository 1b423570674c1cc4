/**
 * Scratch files for the streaming packer: unlinked as soon as they are
 * opened, so they vanish with the process whatever way it ends, and cost disk
 * only while the pack runs. Positional reads and writes, offsets beyond 4 GiB.
 */
import { closeSync, ftruncateSync, openSync, readSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { FlatvoxError } from "../shared/errors";

let serial = 0;

export class SpillFile {
  private fd: number;
  /** Bytes appended since the last reset. */
  position = 0;
  /** Largest size the file reached (for reports). */
  peak = 0;

  constructor(dir: string, label: string) {
    const path = join(dir, `.flatvox-${label}-${process.pid}-${serial++}.spill`);
    try {
      this.fd = openSync(path, "w+");
    } catch (e) {
      throw new FlatvoxError(
        "InputError",
        `cannot create a scratch file in ${dir} (${(e as Error).message}); choose another with --spill-dir`,
      );
    }
    try {
      unlinkSync(path);
    } catch {}
  }

  append(bytes: Uint8Array): number {
    const at = this.position;
    let done = 0;
    while (done < bytes.length) {
      done += writeSync(this.fd, bytes, done, bytes.length - done, at + done);
    }
    this.position += bytes.length;
    if (this.position > this.peak) this.peak = this.position;
    return at;
  }

  /** Read `dst.length` bytes at `offset` into `dst`. */
  readInto(offset: number, dst: Uint8Array): Uint8Array {
    let done = 0;
    while (done < dst.length) {
      const n = readSync(this.fd, dst, done, dst.length - done, offset + done);
      if (n === 0) throw new FlatvoxError("InputError", `scratch file ended at ${offset + done}`);
      done += n;
    }
    return dst;
  }

  /** Forget the contents (the space is given back to the file system). */
  reset(): void {
    ftruncateSync(this.fd, 0);
    this.position = 0;
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {}
  }
}
