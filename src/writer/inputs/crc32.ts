/** CRC-32 (IEEE 802.3, as used by zip): native zlib.crc32 where Node has it, else table driven. */
import * as zlib from "node:zlib";

const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** The portable version, also the oracle for the native one. */
export function crc32UpdateJs(crc: number, bytes: Uint8Array): number {
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** Continue a CRC over `bytes`; start with 0. Returns an unsigned 32-bit value. */
export function crc32Update(crc: number, bytes: Uint8Array): number {
  return native ? native(bytes, crc >>> 0) : crc32UpdateJs(crc, bytes);
}

export function crc32(bytes: Uint8Array): number {
  return crc32Update(0, bytes);
}
