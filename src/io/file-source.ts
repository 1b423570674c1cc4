// Node only. Loaded through a dynamic import from create-source, so browser
// bundles never pull in node:fs.
import { type FileHandle, open } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { FlatvoxError, throwIfAborted } from "../shared/errors";
import type { ByteSource, ReadOptions } from "./byte-source";
import { checkRange, truncated } from "./range-check";

/** A local file read with positional reads on one open handle. */
export class FileSource implements ByteSource {
  private constructor(
    readonly id: string,
    private readonly handle: FileHandle,
    private currentSize: number,
    private currentEtag: string,
  ) {}

  /** Open a path or a file:// URL; a missing or unreadable file is an InputError. */
  static async open(pathOrUrl: string): Promise<FileSource> {
    const path = pathOrUrl.startsWith("file:") ? fileURLToPath(pathOrUrl) : resolve(pathOrUrl);
    let handle: FileHandle;
    try {
      handle = await open(path, "r");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const what = code === "ENOENT" ? "file not found" : `cannot open file (${code ?? e})`;
      throw new FlatvoxError("InputError", what, { url: path }, { cause: e });
    }
    const st = await handle.stat();
    if (!st.isFile()) {
      await handle.close();
      throw new FlatvoxError("InputError", "not a regular file", { url: path });
    }
    return new FileSource(path, handle, st.size, fileEtag(st.size, st.mtimeMs));
  }

  get size(): number {
    return this.currentSize;
  }

  get etag(): string {
    return this.currentEtag;
  }

  async getBytes(offset: number, length: number, options: ReadOptions = {}): Promise<Uint8Array> {
    checkRange(offset, length, this.id);
    throwIfAborted(options.signal);
    // One fstat per read (microseconds) catches in-place rewrites, the case
    // that would otherwise mix old and new bytes.
    const st = await this.handle.stat();
    const etag = fileEtag(st.size, st.mtimeMs);
    if (etag !== this.currentEtag) {
      throw new FlatvoxError("ETagChangedError", "the file changed on disk while it was open; reopen it", {
        offset,
        length,
        url: this.id,
        etag: this.currentEtag,
        newEtag: etag,
      });
    }
    const want = options.upTo ? Math.max(0, Math.min(length, st.size - offset)) : length;
    const buf = new Uint8Array(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await this.handle.read(buf, got, want - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    throwIfAborted(options.signal);
    if (got < want) throw truncated(offset, length, got, this.id, st.size);
    return buf;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

function fileEtag(size: number, mtimeMs: number): string {
  return `${size}-${mtimeMs}`;
}
