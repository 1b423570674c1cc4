/** Append-only buffered file writer with one positional write for the open block at the end. */
import { closeSync, fsyncSync, openSync, unlinkSync, writeSync } from "node:fs";

export class FileSink {
  private readonly fd: number;
  private buf: Uint8Array;
  private used = 0;
  /** File offset of the next appended byte. */
  position: number;
  private flushedTo: number;

  /** `flags` "r+" appends to an existing file from `start` (flatvox append). */
  constructor(path: string, start: number, bufferSize = 4 << 20, flags: "w" | "r+" = "w") {
    this.fd = openSync(path, flags);
    this.buf = new Uint8Array(bufferSize);
    this.position = start;
    this.flushedTo = start;
  }

  /** Append bytes; returns the file offset they start at. */
  append(bytes: Uint8Array): number {
    const at = this.position;
    if (bytes.length > this.buf.length - this.used) {
      this.flush();
      if (bytes.length > this.buf.length) {
        writeSync(this.fd, bytes, 0, bytes.length, this.flushedTo);
        this.flushedTo += bytes.length;
        this.position += bytes.length;
        return at;
      }
    }
    this.buf.set(bytes, this.used);
    this.used += bytes.length;
    this.position += bytes.length;
    return at;
  }

  flush(): void {
    if (this.used > 0) {
      writeSync(this.fd, this.buf, 0, this.used, this.flushedTo);
      this.flushedTo += this.used;
      this.used = 0;
    }
  }

  writeAt(position: number, bytes: Uint8Array): void {
    writeSync(this.fd, bytes, 0, bytes.length, position);
  }

  /** Flush and make everything written so far durable. */
  sync(): void {
    this.flush();
    fsyncSync(this.fd);
  }

  private closed = false;

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    closeSync(this.fd);
  }

  /** Give up: close and delete the file (a failed pack leaves nothing behind). Never throws. */
  abandonFile(path: string): void {
    try {
      this.close();
    } catch {}
    try {
      unlinkSync(path);
    } catch {}
  }
}
