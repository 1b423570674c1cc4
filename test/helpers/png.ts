/**
 * A minimal PNG decoder for test captures: 8-bit greyscale, RGB or RGBA,
 * non-interlaced (what Chromium's screencast produces). Returns RGBA.
 */
import { inflateSync } from "node:zlib";

export interface Image {
  width: number;
  height: number;
  rgba: Uint8Array;
}

export function decodePng(png: Uint8Array): Image {
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Uint8Array[] = [];
  while (pos < png.length) {
    const len = v.getUint32(pos);
    const type = String.fromCharCode(...png.subarray(pos + 4, pos + 8));
    const data = png.subarray(pos + 8, pos + 8 + len);
    if (type === "IHDR") {
      width = v.getUint32(pos + 8);
      height = v.getUint32(pos + 12);
      const depth = data[8];
      const color = data[9];
      if (depth !== 8 || data[12] !== 0)
        throw new Error(`unsupported PNG (depth ${depth}, interlace ${data[12]})`);
      channels = color === 0 ? 1 : color === 2 ? 3 : color === 6 ? 4 : 0;
      if (!channels) throw new Error(`unsupported PNG colour type ${color}`);
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(width * height * 4);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const cur = new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? cur[i - channels] : 0;
      const b = prev[i];
      const c = i >= channels ? prev[i - channels] : 0;
      let p = line[i];
      if (filter === 1) p += a;
      else if (filter === 2) p += b;
      else if (filter === 3) p += (a + b) >> 1;
      else if (filter === 4) {
        const pa = Math.abs(b - c);
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - 2 * c);
        p += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      cur[i] = p & 255;
    }
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const s = x * channels;
      if (channels === 1) out.set([cur[s], cur[s], cur[s], 255], o);
      else out.set([cur[s], cur[s + 1], cur[s + 2], channels === 4 ? cur[s + 3] : 255], o);
    }
    prev = cur;
  }
  return { width, height, rgba: out };
}
