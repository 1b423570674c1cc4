/** Checksums of index nodes, records and pages: the container's xxHash32 (seed 0), over bytes[start, end). */
import { xxhash32 } from "../format/xxhash32";

export function checksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return xxhash32(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end));
}
