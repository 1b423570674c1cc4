/** CRC-32 (IEEE 802.3, as used by zip), table driven. */
const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** Continue a CRC over `bytes`; start with 0. Returns the CRC as a signed 32-bit value (use >>> 0). */
export function crc32Update(crc: number, bytes: Uint8Array): number {
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c;
}

export function crc32(bytes: Uint8Array): number {
  return crc32Update(0, bytes) >>> 0;
}
