/**
 * TIFF stacks as packer input, read with geotiff: a multi-page TIFF (pages =
 * z), or a list or directory of single-page TIFFs (z in natural name order);
 * several multi-page files are a time series. One sample per pixel, 8/16/32-bit
 * integers or 32/64-bit floats. ImageJ hyperstacks (channels, slices, frames)
 * and single-file OME-TIFF (DimensionOrder, SizeZ/C/T) are indexed by their
 * description; channels become fields. Voxel size from the ImageJ description
 * (spacing, unit, X/YResolution) or OME PhysicalSize*, else 1 with a note.
 *
 * A read is, per page of the requested z range, the rows y0..y0+ny of that
 * page (a geotiff window), so a stack is never held whole.
 */
import { readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { fromFile, type GeoTIFF, type GeoTIFFImage } from "geotiff";
import { isFlatvoxError } from "../../shared/errors";
import type { Vec3 } from "../../shared/types";
import { decodeElements } from "./convert";
import { assembleFields, type FieldsOptions, type InputFile, type InputVariable } from "./fields";
import { inputError } from "./input-error";
import type { InputDataset } from "./series";
import { defaultTarget, type SourceDType } from "./source-dtype";

export type TiffOptions = FieldsOptions;

const TIFF_NAME = /\.(tiff?)$/i;
const natural = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true });

/** Expand directories into their TIFF files, natural order. */
export async function tiffFiles(inputs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of inputs) {
    const st = await stat(p).catch(() => undefined);
    if (!st) throw inputError("no such file or directory", p);
    if (st.isDirectory()) {
      const names = (await readdir(p)).filter((n) => TIFF_NAME.test(n) && !n.startsWith(".")).sort(natural);
      if (names.length === 0) throw inputError("directory holds no .tif/.tiff files", p);
      out.push(...names.map((n) => join(p, n)));
    } else out.push(p);
  }
  return out;
}

interface PageInfo {
  width: number;
  height: number;
  src: SourceDType;
}

async function openTiff(file: string): Promise<GeoTIFF> {
  try {
    return await fromFile(file);
  } catch (e) {
    throw inputError(`not a readable TIFF: ${(e as Error).message}`, file);
  }
}

/** Full-resolution pages (reduced-resolution subfiles skipped). */
async function pages(tiff: GeoTIFF, file: string): Promise<GeoTIFFImage[]> {
  const n = await tiff.getImageCount();
  const out: GeoTIFFImage[] = [];
  for (let i = 0; i < n; i++) {
    const img = await tiff.getImage(i);
    const sub = img.fileDirectory.getValue("NewSubfileType");
    if (typeof sub === "number" && sub & 1) continue;
    out.push(img);
  }
  if (out.length === 0) throw inputError("TIFF has no full-resolution image", file);
  return out;
}

function pageInfo(img: GeoTIFFImage, file: string, page: number): PageInfo {
  const spp = img.getSamplesPerPixel();
  if (spp !== 1)
    throw inputError(
      `page ${page} has ${spp} samples per pixel (RGB or multi-sample); flatvox reads one sample per pixel — split the channels first (e.g. ImageJ Image › Color › Split Channels)`,
      file,
    );
  const bits = img.getBitsPerSample(0);
  const format = img.getSampleFormat(0) ?? 1;
  const kind = format === 3 ? "f" : format === 2 ? "i" : format === 1 ? "u" : undefined;
  const ok =
    kind && ((kind === "f" && (bits === 32 || bits === 64)) || (kind !== "f" && [8, 16, 32].includes(bits)));
  if (!ok)
    throw inputError(`page ${page}: unsupported sample type (${bits}-bit, SampleFormat ${format})`, file);
  return {
    width: img.getWidth(),
    height: img.getHeight(),
    src: { kind: kind as SourceDType["kind"], size: (bits / 8) as SourceDType["size"], littleEndian: true },
  };
}

/** The description of an ImageJ hyperstack. */
function imagejInfo(desc: string): Record<string, string> | undefined {
  if (!/^ImageJ=/m.test(desc)) return undefined;
  const out: Record<string, string> = {};
  for (const line of desc.split(/\r?\n/)) {
    const eq = line.indexOf("=");
    if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

function rational(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if ((Array.isArray(v) || ArrayBuffer.isView(v)) && (v as ArrayLike<number>).length >= 2) {
    const [num, den] = [Number((v as ArrayLike<number>)[0]), Number((v as ArrayLike<number>)[1])];
    if (den !== 0) return num / den;
  }
  return undefined;
}

const UNIT_ALIASES: Record<string, string> = { micron: "µm", "\\u00B5m": "µm", um: "µm", microns: "µm" };

interface Layout {
  /** Pages per timestep and per channel: page index of (c, z, t). */
  page(c: number, z: number, t: number): number;
  nz: number;
  nc: number;
  nt: number;
  spacing?: Vec3;
  spaceUnits?: string;
  times?: number[];
  timeUnits?: string;
  channelNames?: string[];
  source: string;
  notes: string[];
}

/** Stack layout from the first page's description (ImageJ, OME-XML) or the page count (pages = z). */
async function layoutOf(first: GeoTIFFImage, count: number, file: string): Promise<Layout> {
  const desc = String((await first.fileDirectory.loadValue("ImageDescription")) ?? "").replace(/\0+$/, "");
  const notes: string[] = [];
  const ij = imagejInfo(desc);
  const plain = (nz: number): Layout => ({ page: (_c, z) => z, nz, nc: 1, nt: 1, source: "pages", notes });
  if (ij) {
    const nc = Number(ij.channels ?? 1);
    const nz = Number(ij.slices ?? (ij.frames ? 1 : count));
    const nt = Number(ij.frames ?? 1);
    if (![nc, nz, nt].every((n) => Number.isInteger(n) && n >= 1) || nc * nz * nt !== count)
      throw inputError(
        `ImageJ description says channels=${ij.channels ?? 1} slices=${ij.slices ?? "?"} frames=${ij.frames ?? 1}, but the file has ${count} pages`,
        file,
      );
    const unit = ij.unit ? (UNIT_ALIASES[ij.unit] ?? ij.unit) : undefined;
    const rx = rational(await first.fileDirectory.loadValue("XResolution"));
    const ry = rational(await first.fileDirectory.loadValue("YResolution"));
    const sz = Number(ij.spacing);
    let spacing: Vec3 | undefined;
    if (rx && ry && rx > 0 && ry > 0 && (unit || ij.spacing)) {
      spacing = [1 / rx, 1 / ry, Number.isFinite(sz) && sz > 0 ? sz : 1];
      if (!(Number.isFinite(sz) && sz > 0)) notes.push("ImageJ description has no z spacing: 1");
    }
    const fi = Number(ij.finterval);
    return {
      page: (c, z, t) => c + nc * (z + nz * t),
      nz,
      nc,
      nt,
      ...(spacing ? { spacing } : {}),
      ...(spacing && unit ? { spaceUnits: unit } : {}),
      ...(nt > 1 && Number.isFinite(fi) && fi > 0
        ? { times: Array.from({ length: nt }, (_, i) => i * fi), timeUnits: ij.tunit ?? "s" }
        : {}),
      source: "ImageJ",
      notes,
    };
  }
  if (/<OME[\s>]/.test(desc)) {
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(desc) as {
      OME?: { Image?: unknown };
    };
    const image = Array.isArray(xml.OME?.Image) ? xml.OME.Image[0] : xml.OME?.Image;
    const px = (image as { Pixels?: Record<string, unknown> } | undefined)?.Pixels;
    if (!px) throw inputError("OME-XML description without Pixels", file);
    if (Array.isArray(xml.OME?.Image) && xml.OME.Image.length > 1)
      notes.push(`OME-TIFF holds ${xml.OME.Image.length} images: the first is packed`);
    const tiffData = ([] as unknown[]).concat(px.TiffData ?? []) as Record<string, unknown>[];
    if (
      tiffData.some(
        (d) =>
          d.UUID !== undefined && typeof d.UUID === "object" && (d.UUID as Record<string, unknown>).FileName,
      )
    )
      throw inputError(
        "multi-file OME-TIFF (planes in other files): open it in Fiji and save one OME-TIFF",
        file,
      );
    const size = (k: string) => Number(px[`Size${k}`] ?? 1);
    const nz = size("Z");
    const nc = size("C");
    const nt = size("T");
    if (nz * nc * nt !== count)
      throw inputError(
        `OME-XML says SizeZ=${nz} SizeC=${nc} SizeT=${nt}, but the file has ${count} pages`,
        file,
      );
    const order = String(px.DimensionOrder ?? "XYZCT").slice(2); // fastest first, after X and Y
    const sizes: Record<string, number> = { Z: nz, C: nc, T: nt };
    const stride: Record<string, number> = {};
    let s = 1;
    for (const k of order) {
      stride[k] = s;
      s *= sizes[k] ?? 1;
    }
    const phys = (k: string) => Number(px[`PhysicalSize${k}`]);
    const units = new Set(["X", "Y", "Z"].map((k) => String(px[`PhysicalSize${k}Unit`] ?? "µm")));
    const has = ["X", "Y", "Z"].map((k) => Number.isFinite(phys(k)) && phys(k) > 0);
    let spacing: Vec3 | undefined;
    if (has[0] && has[1]) {
      spacing = [phys("X"), phys("Y"), has[2] ? phys("Z") : 1];
      if (!has[2]) notes.push("OME-XML has no PhysicalSizeZ: z spacing 1");
    }
    if (units.size > 1) notes.push(`OME physical sizes in different units (${[...units].join(", ")})`);
    const ti = Number(px.TimeIncrement);
    const channels = ([] as unknown[]).concat(px.Channel ?? []) as Record<string, unknown>[];
    const names = channels.map((c, i) => (typeof c.Name === "string" && c.Name ? c.Name : `c${i}`));
    return {
      page: (c, z, t) => c * stride.C + z * stride.Z + t * stride.T,
      nz,
      nc,
      nt,
      ...(spacing ? { spacing, ...(units.size === 1 ? { spaceUnits: [...units][0] } : {}) } : {}),
      ...(nt > 1 && Number.isFinite(ti) && ti > 0
        ? {
            times: Array.from({ length: nt }, (_, i) => i * ti),
            timeUnits: String(px.TimeIncrementUnit ?? "s"),
          }
        : {}),
      ...(nc > 1 && names.length === nc && new Set(names).size === nc ? { channelNames: names } : {}),
      source: "OME-XML",
      notes,
    };
  }
  return plain(count);
}

/** TIFF inputs → packer input. */
export async function readTiff(inputs: string[], opts: TiffOptions = {}): Promise<InputDataset> {
  const files = await tiffFiles(inputs);
  const kind = opts.kind ?? "scalar";
  // Page counts decide: all single pages → one stack; else each file a stack (a timestep or more).
  const counts: number[] = [];
  const firstPages: GeoTIFFImage[] = [];
  for (const f of files) {
    const tiff = await openTiff(f);
    try {
      const ps = await pages(tiff, f);
      counts.push(ps.length);
      firstPages.push(ps[0]);
    } finally {
      await tiff.close();
    }
  }
  const info0 = pageInfo(firstPages[0], files[0], 0);
  const check = (img: GeoTIFFImage, file: string, page: number) => {
    const i = pageInfo(img, file, page);
    if (i.width !== info0.width || i.height !== info0.height)
      throw inputError(
        `page ${page} is ${i.width}×${i.height}, the stack is ${info0.width}×${info0.height}`,
        file,
      );
    if (i.src.kind !== info0.src.kind || i.src.size !== info0.src.size)
      throw inputError(`page ${page} has another sample type than ${basename(files[0])}`, file);
  };
  const dtype = defaultTarget(info0.src, kind);
  const sliceStack = files.length > 1 && counts.every((c) => c === 1);
  const inputFiles: InputFile[] = [];

  /** Open files, least recently used first: a slab of single-page files touches one file per z. */
  const open = new Map<string, { tiff: GeoTIFF; pages: GeoTIFFImage[] }>();
  const MAX_OPEN = 32;
  const pageOf = async (file: string, index: number): Promise<GeoTIFFImage> => {
    let entry = open.get(file);
    if (entry) open.delete(file);
    else {
      const tiff = await openTiff(file);
      entry = { tiff, pages: await pages(tiff, file) };
      while (open.size >= MAX_OPEN) {
        const [oldest, e] = open.entries().next().value as [string, { tiff: GeoTIFF }];
        open.delete(oldest);
        await e.tiff.close();
      }
    }
    open.set(file, entry);
    const img = entry.pages[index];
    if (!img) throw inputError(`page ${index} missing`, file);
    check(img, file, index);
    return img;
  };
  const closeAll = async () => {
    for (const e of open.values()) await e.tiff.close();
    open.clear();
  };
  const readRows = async (file: string, index: number, y0: number, ny: number) => {
    const img = await pageOf(file, index);
    const r = (await img.readRasters({
      window: [0, y0, info0.width, y0 + ny],
      samples: [0],
      interleave: true,
    })) as unknown as ArrayBufferView;
    return decodeElements(new Uint8Array(r.buffer, r.byteOffset, r.byteLength), info0.src, dtype, {
      file: `${file} page ${index}`,
      dataOffset: 0,
    });
  };
  const dims = (nz: number): Vec3 => [info0.width, info0.height, nz];
  const variable = (
    name: string,
    label: string,
    nz: number,
    steps: number,
    locate: (t: number, z: number) => [string, number],
  ): InputVariable => ({
    name,
    file: label,
    dims: dims(nz),
    steps,
    dtype,
    kind,
    sourceBytes: info0.src.size,
    async read(t, z0, nz2, y0, ny) {
      const plane = info0.width * ny;
      const first = await readRows(...locate(t, z0), y0, ny);
      const out = new (first.constructor as new (n: number) => typeof first)(plane * nz2);
      out.set(first, 0);
      for (let z = 1; z < nz2; z++) {
        try {
          out.set(await readRows(...locate(t, z0 + z), y0, ny), plane * z);
        } catch (e) {
          if (isFlatvoxError(e)) throw e;
          throw inputError(`cannot read z ${z0 + z}: ${(e as Error).message}`, label);
        }
      }
      return out;
    },
    close: closeAll,
  });

  if (sliceStack) {
    // Single pages: one grid, z in natural name order (also for a list given on the command line,
    // which a shell glob sorts slice_1, slice_10, slice_2).
    files.sort(natural);
    const notes = ["single-page TIFFs stacked in natural name order; no voxel size in the files: spacing 1"];
    inputFiles.push({
      file: files[0],
      variables: [
        variable("value", `${files[0]} … (${files.length} slices)`, files.length, 1, (_t, z) => [
          files[z],
          0,
        ]),
      ],
      grid: {},
      notes,
    });
    const ds = assembleFields(inputFiles, opts);
    ds.spec.metadata = { ...ds.spec.metadata, source: [basename(files[0]), `… ${files.length} slices`] };
    return ds;
  }
  for (const [k, f] of files.entries()) {
    const lay = await layoutOf(firstPages[k], counts[k], f);
    const notes = [...lay.notes];
    if (!lay.spacing) notes.push("no voxel size in the TIFF (ImageJ or OME-XML): spacing 1");
    const names =
      lay.nc === 1 ? ["value"] : (lay.channelNames ?? Array.from({ length: lay.nc }, (_, c) => `c${c}`));
    inputFiles.push({
      file: f,
      variables: names.map((name, c) =>
        variable(name, lay.nc === 1 ? f : `${f} channel ${c}`, lay.nz, lay.nt, (t, z) => [
          f,
          lay.page(c, z, t),
        ]),
      ),
      ...(lay.times ? { times: lay.times, timeUnits: lay.timeUnits } : {}),
      grid: {
        ...(lay.spacing ? { spacing: lay.spacing } : {}),
        ...(lay.spaceUnits ? { spaceUnits: lay.spaceUnits } : {}),
      },
      notes,
    });
  }
  return assembleFields(inputFiles, opts);
}
