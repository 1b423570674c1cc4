/**
 * VTK XML ImageData (.vti) and ParaView collections of them (.pvd) as packer
 * input. Every one-component DataArray of the point data (else of the cell
 * data), or the ones named with --array, becomes a field of one dataset;
 * multi-component arrays are listed in a note (refused when named). The grid's
 * placement (Origin, Spacing, Direction, extent start) becomes the world
 * transform (docs/INPUTS.md "VTK ImageData"). Every data mode VTK writes: ascii, inline base64 ("binary"), appended raw or base64,
 * uncompressed or zlib-compressed blocks, UInt32 or UInt64 headers, either
 * byte order. Fields are SlabReaders reading z-planes forward (ForwardPlanes):
 * appended raw data is streamed from the file (a compressed array one block
 * at a time); inline and base64 data are decoded from the XML text, which is
 * read whole.
 *
 * Binary blobs start with a header in the `header_type` integer: the byte
 * count, or for compressed arrays [blocks, block size, last partial block
 * size (0 = full), compressed size of each block]. In base64, VTK encodes
 * that header on its own (padded) when compressing and together with the
 * data when not: both are accepted.
 */
import { readFile, stat } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { inflateSync } from "node:zlib";
import { XMLParser } from "fast-xml-parser";
import type { DType, FieldKind, Vec3 } from "../../shared/types";
import { type Affine, isAxisAligned, placementSummary } from "../../shared/world-transform";
import type { DatasetSpec, FieldSpec, MetadataValue, SlabReader, TimestepData } from "../pack-types";
import { type ByteStream, FileRangeStream, openFile, readAt } from "./byte-stream";
import { decodeElements } from "./convert";
import { ForwardPlanes } from "./forward-planes";
import { inputError } from "./input-error";
import type { InputDataset, InputOptions } from "./series";
import { SlabStream } from "./slab-stream";
import { defaultTarget, describeSource, parseTypeName, type SourceDType } from "./source-dtype";

export interface VtiOptions extends InputOptions {
  /**
   * DataArray names (the repeatable --array). Default: every one-component
   * point-data array, else every one-component cell-data array.
   */
  array?: string | string[];
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
  /** First index of the extent on each axis (VTK indices run from it). */
  extentStart: Vec3;
  origin: Vec3;
  spacing: Vec3;
  /** Direction matrix, row-major 3×3 (identity when the file has none). */
  direction: number[];
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
    extentStart: [whole[0], whole[2], whole[4]],
    origin: image.Origin ? (numbers(image.Origin, 3, "Origin", path) as Vec3) : [0, 0, 0],
    spacing: image.Spacing ? (numbers(image.Spacing, 3, "Spacing", path) as Vec3) : [1, 1, 1],
    direction: image.Direction ? numbers(image.Direction, 9, "Direction", path) : [1, 0, 0, 0, 1, 0, 0, 0, 1],
    littleEndian: vtk.byte_order !== "BigEndian",
    headerSize: vtk.header_type === "UInt64" ? 8 : 4,
    compressed: compressor !== "",
    arrays,
    activeScalars: pointData?.Scalars,
    appended,
  };
}

const label = (a: VtiArray) =>
  `${a.name} (${a.cell ? "cell" : "point"} data${a.components > 1 ? `, ${a.components} components` : ""})`;

/**
 * The arrays that become fields: the named ones (each must exist, have one
 * component, and all be point or all cell data), else every one-component
 * point array, else every one-component cell array. Arrays left out are
 * named in the notes.
 */
export function chooseArrays(f: VtiFile, names?: string[]): { arrays: VtiArray[]; notes: string[] } {
  const all = f.arrays.map(label).join(", ") || "none";
  if (names && names.length > 0) {
    const picked = names.map((n) => {
      const a = f.arrays.find((x) => x.name === n);
      if (!a) throw inputError(`no data array named '${n}'; the file has ${all}`, f.path);
      if (a.components !== 1)
        throw inputError(
          `${label(a)} is not a scalar; choose one-component arrays (extract a component first, e.g. with ParaView's Calculator)`,
          f.path,
        );
      return a;
    });
    if (picked.some((a) => a.cell !== picked[0].cell))
      throw inputError(
        `${picked.map(label).join(", ")}: point and cell data lie on different grids; pack them separately`,
        f.path,
      );
    return { arrays: picked, notes: [] };
  }
  const ones = f.arrays.filter((a) => a.components === 1);
  const point = ones.filter((a) => !a.cell);
  const arrays = point.length > 0 ? point : ones.filter((a) => a.cell);
  if (arrays.length === 0) throw inputError(`no one-component data array; the file has ${all}`, f.path);
  const notes = f.arrays
    .filter((a) => !arrays.includes(a))
    .map((a) =>
      a.components !== 1
        ? `${label(a)} left out: not a scalar`
        : `${label(a)} left out: ${a.cell ? "cell" : "point"} data lie on another grid (pack it with --array ${a.name})`,
    );
  return { arrays, notes };
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

/** Grid size of an array: points, or cells (one fewer per axis, at least 1). */
function arrayDims(f: VtiFile, cell: boolean): Vec3 {
  return (cell ? f.points.map((d) => Math.max(1, d - 1)) : [...f.points]) as Vec3;
}

/**
 * Our grid → world map for a file's point or cell data. VTK places extent
 * index n at Origin + Direction·(Spacing ⊙ n). Point data sit at the points,
 * so voxel i (p ∈ [i, i+1), centre i + 0.5) is point n = e0 + i: n = p + e0 − ½.
 * Cell i spans points [e0 + i, e0 + i + 1]: n = p + e0.
 */
export function vtiTransform(f: VtiFile, cell: boolean): Affine {
  const d = f.direction;
  const shift = f.extentStart.map((e) => e - (cell ? 0 : 0.5));
  const m: number[] = [];
  for (let r = 0; r < 3; r++) {
    const lin = [0, 1, 2].map((c) => d[r * 3 + c] * f.spacing[c]);
    m.push(...lin, f.origin[r] + lin[0] * shift[0] + lin[1] * shift[1] + lin[2] * shift[2]);
  }
  return m;
}

/** z-planes of one array read forward, as SlabReaders converted to `target`. */
function arrayReader(f: VtiFile, a: VtiArray, target: DType): SlabReader {
  const [nx, ny, nz] = arrayDims(f, a.cell);
  const size = a.type.size;
  const row = nx * size;
  const expected = nx * ny * nz * size;
  const where = `${f.path}:${a.name}`;
  const planes = new ForwardPlanes(() => openArray(f, a, expected, where), row * ny);
  return {
    dims: [nx, ny, nz],
    async read(z0, n, y0, rows) {
      const got = await planes.get(z0, z0 + n);
      const bytes = new Uint8Array(n * rows * row);
      for (let i = 0; i < n; i++) bytes.set(got[i].subarray(y0 * row, (y0 + rows) * row), i * rows * row);
      return decodeElements(bytes, a.type, target, { file: where, dataOffset: (z0 * ny + y0) * row });
    },
    close: () => planes.close(),
  };
}

function sameNumbers(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
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
  if (files.length === 0) throw new TypeError("no input files");
  const names = opts.array === undefined ? undefined : ([] as string[]).concat(opts.array);
  const parsed: VtiFile[] = [];
  for (const f of files) parsed.push(await readVti(f));
  const first = parsed[0];
  const { arrays, notes } = chooseArrays(first, names);
  const cell = arrays[0].cell;
  const dims = arrayDims(first, cell);
  // Every file: the same grid, placement and arrays (by name, kind and type).
  const perFile = parsed.map((f) => {
    if (
      !sameNumbers(f.points, first.points) ||
      !sameNumbers(f.extentStart, first.extentStart) ||
      !sameNumbers(f.origin, first.origin) ||
      !sameNumbers(f.spacing, first.spacing) ||
      !sameNumbers(f.direction, first.direction)
    )
      throw inputError(
        `grid (extent, Origin, Spacing, Direction) differs from that of ${first.path}`,
        f.path,
      );
    return arrays.map((a) => {
      const b = f.arrays.find((x) => x.name === a.name && x.cell === a.cell && x.components === 1);
      if (!b) throw inputError(`no one-component ${label(a)}, which ${first.path} has`, f.path);
      if (describeSource(b.type) !== describeSource(a.type))
        throw inputError(
          `array '${a.name}' is ${describeSource(b.type)}, in ${first.path} ${describeSource(a.type)}`,
          f.path,
        );
      return b;
    });
  });
  if (opts.field !== undefined && arrays.length > 1)
    throw inputError(
      `--field renames a single array; ${arrays.length} arrays are packed (${arrays.map((a) => a.name).join(", ")}): choose one with --array`,
      first.path,
    );
  const kind: FieldKind = opts.kind ?? "scalar";
  const fields: FieldSpec[] = arrays.map((a) => {
    const dtype = opts.dtype ?? defaultTarget(a.type, kind);
    if (kind === "categorical" && dtype === "f32")
      throw inputError(
        "a categorical field needs an integer dtype (u8, u16, i16, u32)",
        `${first.path}:${a.name}`,
      );
    return {
      name: arrays.length === 1 ? (opts.field ?? a.name) : a.name,
      dtype,
      kind,
      units: opts.units,
      fill: opts.fill,
    };
  });
  times ??= files.map((_, i) => i);
  if (times.length !== files.length)
    throw inputError(`${times.length} time values given for ${files.length} timesteps`, first.path);
  for (let i = 0; i < times.length; i++)
    if (!Number.isFinite(times[i]) || (i > 0 && !(times[i] > times[i - 1])))
      throw inputError(
        `time values must be finite and strictly increasing (at index ${i}: ${times[i]})`,
        "--times",
      );

  const transform = vtiTransform(first, cell);
  const summary = placementSummary(transform);
  const userPlaced = opts.origin !== undefined || opts.spacing !== undefined;
  const spec: DatasetSpec = {
    dims,
    origin: opts.origin ?? summary.origin,
    spacing: opts.spacing ?? summary.spacing,
    ...(!userPlaced && !isAxisAligned(transform) ? { transform } : {}),
    fields,
    times,
    timeUnits: opts.timeUnits,
    metadata: {
      vtkData: cell ? "cell" : "point",
      vtkArrays: arrays.map((a) => a.name),
      ...(sameNumbers(first.direction, [1, 0, 0, 0, 1, 0, 0, 0, 1]) ? {} : { vtkDirection: first.direction }),
      ...(notes.length > 0 ? { notes } : {}),
      ...opts.metadata,
      source: files.slice(0, 8).map((f) => basename(f)),
      ...(files.length > 8 ? { sourceCount: files.length } : {}),
    } as Record<string, MetadataValue>,
  };
  const voxels = dims[0] * dims[1] * dims[2];
  const bytesIn = files.length * arrays.reduce((n, a) => n + voxels * a.type.size, 0);
  async function* generate(): AsyncGenerator<TimestepData> {
    for (let t = 0; t < parsed.length; t++) {
      const readers: Record<string, SlabReader> = {};
      perFile[t].forEach((a, k) => {
        readers[fields[k].name] = arrayReader(parsed[t], a, fields[k].dtype);
      });
      yield { index: t, fields: readers };
    }
  }
  return { spec, steps: { [Symbol.asyncIterator]: generate }, bytesIn };
}
