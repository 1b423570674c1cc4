/**
 * Just enough of the zip format to find members and their data: the end of
 * central directory (with zip64), central directory entries, local headers.
 * Every declared size is bounded before anything is allocated.
 */
import type { FileHandle } from "node:fs/promises";
import { readAt } from "./byte-stream";
import { inputError } from "./input-error";

export interface ZipMember {
  name: string;
  /** 0 stored, 8 deflate. */
  method: number;
  compressedSize: number;
  size: number;
  crc: number;
  localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const EOCD64_LOCATOR_SIG = 0x07064b50;
const EOCD64_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const MAX_CENTRAL_BYTES = 64 << 20;
const MAX_MEMBERS = 1_000_000;

export async function readZipDirectory(fh: FileHandle, file: string, fileSize: number): Promise<ZipMember[]> {
  const tailLen = Math.min(fileSize, 22 + 65535);
  if (tailLen < 22) throw inputError("not a zip archive: too short", file, 0);
  const tail = await readAt(fh, file, fileSize - tailLen, tailLen);
  const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let at = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === EOCD_SIG) {
      at = i;
      break;
    }
  }
  if (at < 0)
    throw inputError("not a zip archive: no end-of-central-directory record", file, fileSize - tailLen);
  let count = tv.getUint16(at + 10, true);
  let cdSize = tv.getUint32(at + 12, true);
  let cdOffset = tv.getUint32(at + 16, true);
  const eocdOffset = fileSize - tailLen + at;
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    if (at < 20 || tv.getUint32(at - 20, true) !== EOCD64_LOCATOR_SIG) {
      throw inputError("zip64 archive without a zip64 locator", file, eocdOffset);
    }
    const e64 = Number(tv.getBigUint64(at - 20 + 8, true));
    if (e64 + 56 > fileSize) throw inputError("zip64 end record outside the file", file, eocdOffset - 20);
    const rec = await readAt(fh, file, e64, 56);
    const rv = new DataView(rec.buffer);
    if (rv.getUint32(0, true) !== EOCD64_SIG) throw inputError("bad zip64 end record signature", file, e64);
    count = Number(rv.getBigUint64(32, true));
    cdSize = Number(rv.getBigUint64(40, true));
    cdOffset = Number(rv.getBigUint64(48, true));
  }
  if (count > MAX_MEMBERS)
    throw inputError(`zip declares ${count} members (limit ${MAX_MEMBERS})`, file, eocdOffset);
  if (cdSize > MAX_CENTRAL_BYTES || cdOffset + cdSize > fileSize) {
    throw inputError(
      `zip central directory (${cdSize} bytes at ${cdOffset}) is out of bounds`,
      file,
      eocdOffset,
    );
  }
  const cd = await readAt(fh, file, cdOffset, cdSize);
  const dv = new DataView(cd.buffer);
  const members: ZipMember[] = [];
  let p = 0;
  for (let k = 0; k < count; k++) {
    if (p + 46 > cdSize || dv.getUint32(p, true) !== CENTRAL_SIG) {
      throw inputError("corrupt zip central directory entry", file, cdOffset + p);
    }
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let size = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let localHeaderOffset = dv.getUint32(p + 42, true);
    if (p + 46 + nameLen + extraLen + commentLen > cdSize) {
      throw inputError("zip central directory entry overruns the directory", file, cdOffset + p);
    }
    const name = new TextDecoder().decode(cd.subarray(p + 46, p + 46 + nameLen));
    // Zip64 extended information: 64-bit values for the fields saturated above, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        const next = () => {
          if (q + 8 > e + 4 + len) throw inputError("short zip64 extra field", file, cdOffset + q);
          const v = Number(dv.getBigUint64(q, true));
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
      }
      e += 4 + len;
    }
    if (flags & 1) throw inputError(`zip member ${name} is encrypted`, file, cdOffset + p);
    if (localHeaderOffset + 30 + compressedSize > fileSize) {
      throw inputError(`zip member ${name} extends past the end of the file`, file, localHeaderOffset);
    }
    members.push({ name, method, compressedSize, size, crc, localHeaderOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return members;
}

/** File offset of a member's data (after its local header). */
export async function memberDataOffset(
  fh: FileHandle,
  file: string,
  m: ZipMember,
  fileSize: number,
): Promise<number> {
  const h = await readAt(fh, file, m.localHeaderOffset, 30);
  const dv = new DataView(h.buffer);
  if (dv.getUint32(0, true) !== LOCAL_SIG)
    throw inputError(`bad local header for zip member ${m.name}`, file, m.localHeaderOffset);
  const start = m.localHeaderOffset + 30 + dv.getUint16(26, true) + dv.getUint16(28, true);
  if (start + m.compressedSize > fileSize) {
    throw inputError(`zip member ${m.name} data extends past the end of the file`, file, start);
  }
  return start;
}
