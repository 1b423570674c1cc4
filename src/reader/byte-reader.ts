/**
 * Verified reads for the dataset: serves ranges inside the already-fetched
 * open block from memory, bounds every range by the file size, passes the
 * checksum check to the source (so caches never store corrupt bytes) and runs
 * it again itself (plain sources ignore it).
 */
import { sectionName } from "../format/constants";
import { xxhash32 } from "../format/xxhash32";
import type { ByteSource, Purpose } from "../io/byte-source";
import { FlatvoxError, isFlatvoxError, throwIfAborted } from "../shared/errors";

export interface ReadRequest {
  offset: number;
  length: number;
  /** xxHash32 of the range; undefined only where `check` verifies the checksums inside the bytes. */
  checksum?: number;
  /** Throws when the bytes are corrupt (structures carrying their own checksums); run before anything is cached. */
  check?: (bytes: Uint8Array) => void;
  section: string;
  purpose: Purpose;
  signal?: AbortSignal;
}

export function checksumVerifier(checksum: number, section: string, offset: number): (b: Uint8Array) => void {
  return (b) => {
    if (xxhash32(b) !== checksum) {
      throw new FlatvoxError("ChecksumError", `${section} checksum mismatch`, {
        section,
        offset,
        length: b.length,
      });
    }
  };
}

export class ByteReader {
  constructor(
    readonly source: ByteSource,
    private readonly openBytes: Uint8Array,
    private readonly fileSize: number | undefined,
  ) {}

  /** The file size when known (from the open request or the source). */
  get size(): number | undefined {
    return this.fileSize ?? this.source.size;
  }

  async read(r: ReadRequest): Promise<Uint8Array> {
    throwIfAborted(r.signal);
    const { offset, length, section } = r;
    const size = this.size;
    if (size !== undefined && offset + length > size) {
      throw new FlatvoxError(
        "TruncatedError",
        `${section} at ${offset}+${length} lies beyond the end of the file (${size} bytes)`,
        {
          section,
          offset,
          length,
        },
      );
    }
    if (r.checksum === undefined && !r.check)
      throw new FlatvoxError("FormatError", `${section}: a read without a checksum or a check`, {
        section,
        offset,
      });
    const verify = r.checksum === undefined ? r.check! : checksumVerifier(r.checksum, section, offset);
    let bytes: Uint8Array;
    if (offset + length <= this.openBytes.length) {
      bytes = this.openBytes.subarray(offset, offset + length);
    } else {
      try {
        bytes = await this.source.getBytes(offset, length, { signal: r.signal, purpose: r.purpose, verify });
      } catch (e) {
        if (
          isFlatvoxError(e) &&
          e.context.section === undefined &&
          (e.tag === "TruncatedError" || e.tag === "ChecksumError")
        ) {
          throw new FlatvoxError(
            e.tag,
            `${section}: ${e.message}`,
            { ...e.context, section, offset, length },
            { cause: e },
          );
        }
        throw e;
      }
      if (bytes.length !== length) {
        throw new FlatvoxError("TruncatedError", `${section}: got ${bytes.length} of ${length} bytes`, {
          section,
          offset,
          length,
        });
      }
    }
    verify(bytes);
    return bytes;
  }
}

export { sectionName };
