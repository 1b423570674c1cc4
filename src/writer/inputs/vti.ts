/**
 * VTK XML ImageData (.vti) and ParaView collections of them (.pvd) as packer
 * input. One scalar DataArray of point or cell data per file; every data
 * mode VTK writes: ascii, inline base64 ("binary"), appended raw or base64,
 * uncompressed or zlib-compressed blocks, UInt32 or UInt64 headers, either
 * byte order. Appended raw data is streamed from the file (a compressed
 * array one block at a time); inline and base64 data are decoded from the
 * XML text, which is read whole.
 *
 * Binary blobs start with a header in the `header_type` integer: the byte
 * count, or for compressed arrays [blocks, block size, last partial block
 * size (0 = full), compressed size of each block]. In base64, VTK encodes
 * that header on its own (padded) when compressing and together with the
 * data when not: both are accepted.
 */
import { readFile, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { inflateSync } from "node:zlib";
import { XMLParser } from "fast-xml-parser";
import type { Vec3 } from "../../shared/types";
import { type ByteStream, FileRangeStream, openFile, readAt } from "./byte-stream";
import { inputError } from "./input-error";
import { assembleSeries, type InputDataset, type InputOptions } from "./series";
import { SlabStream } from "./slab-stream";
import { parseTypeName, type SourceDType } from "./source-dtype";
import type { StoredArray } from "./stored-array";

export interface VtiOptions extends InputOptions {
  /** DataArray name (default: the active point scalars, else the only one-component array). */
  array?: string;
}

/** XML text read at most to find where appended raw data starts. */
const MAX_XML_HEAD = 64 * 2 ** 20;
/** Largest file read whole (inline / base64 data). */
const MAX_TEXT_FILE = 2 * 2 ** 30;

type Attrs = Record<string, string>;
interface XmlNode extends Attrs {}

interface VtiArray {
  name: string;
  type: SourceDType;
  components: number;
  format: "ascii" | "binary" | "appended";
  offset: number;
  text: string;
  cell: boolean;
}

interface VtiFile {
  path: string;
  /** Extent sizes of points. */
  points: Vec3;
  origin: Vec3;
  spacing: Vec3;
  littleEndian: boolean;
  headerSize: 4 | 8;
  compressed: boolean;
  arrays: VtiArray[];
  activeScalars?: string;
  /** File offset of the first byte after '_' in <AppendedData>, and its encoding. */
  appended?: { start: number; encoding: "raw" | "base64"; text?: string };
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => ["Piece", "DataArray", "DataSet"].includes(name),
});

function numbers(text: string | undefined, n: number, what: string, file: string): number[] {
  const v = (text ?? "").trim().split(/\s+/).map(Number);
  if (v.length !== n || v.some((x) => !Number.isFinite(x)))
    throw inputError(`${what} must be ${n} numbers, got '${text ?? ""}'`, file);
  return v;
}

/** Parse the XML part of a .vti (everything before the appended data). */
async function readVti(path: string): Promise<VtiFile> {
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile()) throw inputError("no such file", path);
  const fh = await openFile(path);
  let head: Uint8Array;
  let appendedAt = -1;
  try {
    head = await readAt(fh, path, 0, Math.min(st.size, MAX_XML_HEAD));
    const marker = Buffer.from("<AppendedData");
    appendedAt = Buffer.from(head.buffer, head.byteOffset, head.length).indexOf(marker);
    if (appendedAt < 0 && st.size > head.length) {
      if (st.size > MAX_TEXT_FILE)
        throw inputError(`${st.size} bytes of XML text is too large to read`, path);
      head = await readAt(fh, path, 0, st.size);
    }
  } finally {
    await fh.close();
  }
  const text = Buffer.from(head.buffer, head.byteOffset, appendedAt < 0 ? head.length : appendedAt).toString(
    "latin1",
  );
  let appended: VtiFile["appended"];
  let xml = text;
  if (appendedAt >= 0) {
    const buf = Buffer.from(head.buffer, head.byteOffset, head.length);
    const tagEnd = buf.indexOf(">", appendedAt);
    const underscore = tagEnd < 0 ? -1 : buf.indexOf("_", tagEnd);
    if (underscore < 0)
      throw inputError("<AppendedData> without the '_' that starts its data", path, appendedAt);
    const tag = buf.subarray(appendedAt, tagEnd + 1).toString("latin1");
    const encoding = /encoding\s*=\s*"base64"/.test(tag) ? "base64" : "raw";
    appended = { start: underscore + 1, encoding };
    if (encoding === "base64") {
      const whole =
        st.size > head.length ? await readFile(path) : Buffer.from(head.buffer, head.byteOffset, head.length);
      const end = whole.indexOf("<", underscore + 1);
      appended.text = whole.subarray(underscore + 1, end < 0 ? whole.length : end).toString("latin1");
    }
    xml = `${text}</VTKFile>`;
  }
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml) as Record<string, unknown>;
  } catch (e) {
    throw inputError(`not VTK XML: ${(e as Error).message}`, path);
  }
  const vtk = doc.VTKFile as XmlNode & {
    ImageData?: XmlNode & { Piece?: (XmlNode & Record<string, unknown>)[] };
  };
  if (!vtk || typeof vtk !== "object") throw inputError("not a VTK XML file (no <VTKFile>)", path);
  if (vtk.type !== "ImageData")
    throw inputError(`a VTK ${vtk.type ?? "?"} file; only ImageData (.vti) holds a regular grid`, path);
  const compressor = vtk.compressor ?? "";
  if (compressor && compressor !== "vtkZLibDataCompressor")
    throw inputError(
      `compressor ${compressor} is not supported (zlib is); re-save without compression or with zlib`,
      path,
    );
  const image = vtk.ImageData;
  if (!image) throw inputError("no <ImageData> element", path);
  const whole = numbers(image.WholeExtent, 6, "WholeExtent", path);
  const pieces = image.Piece ?? [];
  if (pieces.length !== 1)
    throw inputError(
      `${pieces.length} pieces; only single-piece files are supported (merge them first)`,
      path,
    );
  const piece = pieces[0];
  const extent = numbers(piece.Extent as string, 6, "Piece Extent", path);
  if (extent.some((v, i) => v !== whole[i]))
    throw inputError(`the piece extent ${extent.join(" ")} is not the whole extent ${whole.join(" ")}`, path);
  const points = [0, 1, 2].map((k) => whole[2 * k + 1] - whole[2 * k] + 1) as Vec3;
  if (points.some((d) => !Number.isInteger(d) || d < 1))
    throw inputError(`bad WholeExtent ${whole.join(" ")}`, path);
  const arrays: VtiArray[] = [];
  for (const [group, cell] of [
    ["PointData", false],
    ["CellData", true],
  ] as const) {
    const node = piece[group] as { DataArray?: (XmlNode & { "#text"?: string })[] } | undefined;
    for (const a of node?.DataArray ?? []) {
      const type = parseTypeName((a.type ?? "").toLowerCase(), vtk.byte_order !== "BigEndian");
      if (!type) continue;
      const format = (a.format ?? "ascii") as VtiArray["format"];
      arrays.push({
        name: a.Name ?? "",
        type,
        components: Number(a.NumberOfComponents ?? 1),
        format,
        offset: Number(a.offset ?? 0),
        text: a["#text"] ?? "",
        cell,
      });
    }
  }
  const pointData = piece.PointData as unknown as XmlNode | undefined;
  return {
    path,
    points,
    origin: image.Origin ? (numbers(image.Origin, 3, "Origin", path) as Vec3) : [0, 0, 0],
    spacing: image.Spacing ? (numbers(image.Spacing, 3, "Spacing", path) as Vec3) : [1, 1, 1],
    littleEndian: vtk.byte_order !== "BigEndian",
    headerSize: vtk.header_type === "UInt64" ? 8 : 4,
    compressed: compressor !== "",
    arrays,
    activeScalars: pointData?.Scalars,
    appended,
  };
}

function chooseArray(f: VtiFile, name?: string): VtiArray {
  const label = (a: VtiArray) =>
    `${a.name} (${a.cell ? "cell" : "point"} data${a.components > 1 ? `, ${a.components} components` : ""})`;
  const pick = name
    ? f.arrays.find((a) => a.name === name)
    : (f.arrays.find((a) => !a.cell && a.name === f.activeScalars && a.components === 1) ??
      (f.arrays.filter((a) => a.components === 1).length === 1
        ? f.arrays.find((a) => a.components === 1)
        : undefined));
  if (!pick)
    throw inputError(
      name
        ? `no data array named '${name}'; the file has ${f.arrays.map(label).join(", ") || "none"}`
        : `choose a data array with --array: ${f.arrays.map(label).join(", ") || "none"}`,
      f.path,
    );
  if (pick.components !== 1)
    throw inputError(`${label(pick)} is not a scalar; choose a one-component array`, f.path);
  return pick;
}

const readUint = (b: Uint8Array, at: number, size: 4 | 8, little: boolean): number => {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return size === 8 ? Number(v.getBigUint64(at, little)) : v.getUint32(at, little);
};

function b64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64"));
}

/** Decoded bytes of a base64 blob (header on its own or together with the data). */
function decodeBase64Blob(text: string, f: VtiFile, expected: number, where: string): Uint8Array {
  const s = text.replace(/\s+/g, "");
  const hs = f.headerSize;
  const chars = (bytes: number) => Math.ceil(bytes / 3) * 4;
  let headerBytes: number;
  let header: Uint8Array;
  if (f.compressed) {
    const first = b64(s.slice(0, chars(3 * hs)));
    const n = readUint(first, 0, hs, f.littleEndian);
    if (!Number.isSafeInteger(n) || n > 1 << 24) throw inputError(`absurd block count ${n}`, where);
    headerBytes = (3 + n) * hs;
  } else headerBytes = hs;
  const headChunk = s.slice(0, chars(headerBytes));
  const separate = headChunk.endsWith("=") || headerBytes % 3 === 0;
  let data: Uint8Array;
  if (separate) {
    header = b64(headChunk);
    data = b64(s.slice(headChunk.length));
  } else {
    const all = b64(s);
    header = all.subarray(0, headerBytes);
    data = all.subarray(headerBytes);
  }
  if (!f.compressed) {
    const n = readUint(header, 0, hs, f.littleEndian);
    if (n !== expected) throw inputError(`the array holds ${n} bytes, the grid needs ${expected}`, where);
    if (data.length < n) throw inputError(`truncated: ${data.length} of ${n} bytes`, where);
    return data.subarray(0, n);
  }
  const blocks = blockTable(header, f, expected, where);
  const out = new Uint8Array(expected);
  let at = 0;
  let o = 0;
  for (let i = 0; i < blocks.sizes.length; i++) {
    const raw = inflateBlock(data.subarray(at, at + blocks.sizes[i]), blocks.raw(i), where, i);
    out.set(raw, o);
    o += raw.length;
    at += blocks.sizes[i];
  }
  return out;
}

/** The compressed-blob header: block sizes, checked against the grid's byte count. */
function blockTable(header: Uint8Array, f: VtiFile, expected: number, where: string) {
  const hs = f.headerSize;
  const n = readUint(header, 0, hs, f.littleEndian);
  const blockSize = readUint(header, hs, hs, f.littleEndian);
  const last = readUint(header, 2 * hs, hs, f.littleEndian);
  const sizes = Array.from({ length: n }, (_, i) => readUint(header, (3 + i) * hs, hs, f.littleEndian));
  const total = n === 0 ? 0 : (n - 1) * blockSize + (last === 0 ? blockSize : last);
  if (total !== expected)
    throw inputError(`the compressed array holds ${total} bytes, the grid needs ${expected}`, where);
  return { sizes, raw: (i: number) => (i === n - 1 && last !== 0 ? last : blockSize) };
}

function inflateBlock(bytes: Uint8Array, size: number, where: string, i: number): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = inflateSync(bytes, { maxOutputLength: size });
  } catch (e) {
    throw inputError(`zlib block ${i}: ${(e as Error).message}`, where);
  }
  if (raw.length !== size)
    throw inputError(`zlib block ${i} holds ${raw.length} bytes, expected ${size}`, where);
  return raw;
}

/** A stream over bytes already in memory. */
function memoryStream(bytes: Uint8Array, file: string): ByteStream {
  return new SlabStream(file, 1, async () => bytes);
}

/** The array's bytes as a stream: appended raw data from the file, the rest decoded from text. */
async function openArray(f: VtiFile, a: VtiArray, expected: number, where: string): Promise<ByteStream> {
  if (a.format === "ascii") {
    const v = a.text.trim() === "" ? [] : a.text.trim().split(/\s+/).map(Number);
    const count = expected / a.type.size;
    if (v.length !== count) throw inputError(`${v.length} ascii values, the grid needs ${count}`, where);
    // Written back as little-endian elements of the declared type.
    const le: SourceDType = { ...a.type, littleEndian: true };
    const out = new Uint8Array(expected);
    const dv = new DataView(out.buffer);
    v.forEach((x, i) => {
      const at = i * le.size;
      if (le.kind === "f") le.size === 8 ? dv.setFloat64(at, x, true) : dv.setFloat32(at, x, true);
      else if (le.size === 8) dv.setBigInt64(at, BigInt(Math.trunc(x)), true);
      else if (le.size === 4) le.kind === "i" ? dv.setInt32(at, x, true) : dv.setUint32(at, x, true);
      else if (le.size === 2) le.kind === "i" ? dv.setInt16(at, x, true) : dv.setUint16(at, x, true);
      else le.kind === "i" ? dv.setInt8(at, x) : dv.setUint8(at, x);
    });
    return memoryStream(out, where);
  }
  if (a.format === "binary") return memoryStream(decodeBase64Blob(a.text, f, expected, where), where);
  if (!f.appended) throw inputError("an appended array but no <AppendedData>", where);
  if (f.appended.encoding === "base64")
    return memoryStream(decodeBase64Blob((f.appended.text ?? "").slice(a.offset), f, expected, where), where);
  // Appended raw: header, then the data (or its zlib blocks), read from the file as needed.
  const at = f.appended.start + a.offset;
  const hs = f.headerSize;
  const fh = await openFile(f.path);
  let handedOver = false;
  try {
    const n = readUint(await readAt(fh, f.path, at, hs), 0, hs, f.littleEndian);
    if (!f.compressed) {
      if (n !== expected)
        throw inputError(`the array holds ${n} bytes, the grid needs ${expected}`, where, at);
      return await FileRangeStream.open(f.path, at + hs, n);
    }
    if (!Number.isSafeInteger(n) || n > 1 << 24) throw inputError(`absurd block count ${n}`, where, at);
    const table = blockTable(await readAt(fh, f.path, at, (3 + n) * hs), f, expected, where);
    const starts: number[] = [];
    let p = at + (3 + n) * hs;
    for (const s of table.sizes) {
      starts.push(p);
      p += s;
    }
    // The stream keeps the file open for its blocks and closes it with itself.
    handedOver = true;
    return new SlabStream(
      where,
      n,
      async (i) => inflateBlock(await readAt(fh, f.path, starts[i], table.sizes[i]), table.raw(i), where, i),
      () => fh.close(),
    );
  } finally {
    if (!handedOver) await fh.close();
  }
}

/** One .vti file's chosen array as a StoredArray of shape (nz, ny, nx), x fastest. */
export async function vtiArray(
  path: string,
  name?: string,
): Promise<{ stored: StoredArray; file: VtiFile; array: VtiArray }> {
  const f = await readVti(path);
  const a = chooseArray(f, name);
  const dims = (a.cell ? f.points.map((d) => Math.max(1, d - 1)) : f.points) as Vec3;
  const expected = dims[0] * dims[1] * dims[2] * a.type.size;
  const where = `${path}:${a.name}`;
  const stored: StoredArray = {
    name: where,
    file: path,
    layout: { dtype: a.type, shape: [dims[2], dims[1], dims[0]], fortranOrder: false },
    dataBytes: expected,
    open: () => openArray(f, a, expected, where),
  };
  return { stored, file: f, array: a };
}

/** The .vti files and time values listed by a ParaView .pvd collection, in time order. */
export async function readPvd(path: string): Promise<{ files: string[]; times: number[] }> {
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(await readFile(path, "latin1")) as Record<string, unknown>;
  } catch (e) {
    throw inputError(`not a ParaView collection: ${(e as Error).message}`, path);
  }
  const vtk = doc.VTKFile as (XmlNode & { Collection?: { DataSet?: XmlNode[] } }) | undefined;
  if (vtk?.type !== "Collection")
    throw inputError('not a ParaView collection (<VTKFile type="Collection">)', path);
  const sets = (vtk.Collection?.DataSet ?? []).map((d) => ({
    t: Number(d.timestep ?? 0),
    file: d.file ?? "",
    part: d.part ?? "0",
  }));
  if (sets.length === 0) throw inputError("the collection lists no datasets", path);
  if (sets.some((s) => s.part !== sets[0].part))
    throw inputError(
      "the collection has several parts per timestep; only one part per step is supported",
      path,
    );
  sets.sort((a, b) => a.t - b.t);
  return { files: sets.map((s) => resolve(dirname(path), s.file)), times: sets.map((s) => s.t) };
}

/** .vti files (a time series, in order) or one .pvd collection → packer input. */
export async function readVtk(inputs: string[], opts: VtiOptions = {}): Promise<InputDataset> {
  let files = inputs;
  let times = opts.times;
  if (inputs.length === 1 && inputs[0].toLowerCase().endsWith(".pvd")) {
    const c = await readPvd(inputs[0]);
    files = c.files;
    times ??= c.times;
  } else if (inputs.some((f) => f.toLowerCase().endsWith(".pvd"))) {
    throw inputError("give one .pvd collection, or .vti files, not both", inputs.join(", "));
  }
  const opened = [];
  for (const f of files) opened.push(await vtiArray(f, opts.array));
  const first = opened[0];
  const name = first.array.name;
  for (const o of opened)
    if (o.array.name !== name || o.array.cell !== first.array.cell)
      throw inputError(`array '${o.array.name}' differs from '${name}' of the first file`, o.file.path);
  // Cell data sits at cell centres: half a voxel in from the first point.
  const origin =
    opts.origin ??
    (first.array.cell
      ? (first.file.origin.map((o, k) => o + first.file.spacing[k] / 2) as Vec3)
      : first.file.origin);
  return assembleSeries(
    opened.map((o) => o.stored),
    {
      ...opts,
      field: opts.field ?? name,
      times,
      axes: "zyx",
      origin,
      spacing: opts.spacing ?? first.file.spacing,
      metadata: { vtkArray: name, vtkData: first.array.cell ? "cell" : "point", ...opts.metadata },
    },
  );
}
