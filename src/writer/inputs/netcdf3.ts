/**
 * NetCDF-3 classic (CDF-1) and 64-bit offset (CDF-2) files. netcdfjs parses
 * the header (dimensions, attributes, variables and their offsets) from the
 * first bytes of the file; the values are read here with positioned reads of
 * just the requested hyperslab, so memory stays bounded whatever the file
 * size. Record variables (those along the unlimited dimension) are
 * interleaved record by record: record r of variable v starts at
 * v.begin + r·recsize, recsize being the sum of the record variables' sizes,
 * each padded to 4 bytes (unpadded when there is only one record variable).
 */
import { open } from "node:fs/promises";
import { NetCDFReader } from "netcdfjs";
import type { SourceFile, SourceVariable } from "./cf-file";
import { byteSwap } from "./convert";
import { inputError } from "./input-error";
import type { SourceDType } from "./source-dtype";

const TYPES: Record<string, SourceDType | undefined> = {
  byte: { kind: "i", size: 1, littleEndian: false },
  short: { kind: "i", size: 2, littleEndian: false },
  int: { kind: "i", size: 4, littleEndian: false },
  float: { kind: "f", size: 4, littleEndian: false },
  double: { kind: "f", size: 8, littleEndian: false },
};

/** Largest header read while looking for its end. */
const MAX_HEADER = 64 * 2 ** 20;

type FileHandle = Awaited<ReturnType<typeof open>>;

async function readAt(
  fh: FileHandle,
  file: string,
  offset: number,
  length: number,
  out = new Uint8Array(length),
): Promise<Uint8Array> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(out, done, length - done, offset + done);
    if (bytesRead === 0)
      throw inputError(
        `truncated: needs ${length} bytes at offset ${offset}, the file ends first`,
        file,
        offset + done,
      );
    done += bytesRead;
  }
  return out;
}

/** Attribute values as netCDF reports them: NC_BYTE signed, text decoded as UTF-8. */
function attrValue(a: { type: string; value: unknown }): unknown {
  if (a.type === "byte" && Array.isArray(a.value)) {
    const v = (a.value as number[]).map((x) => (x > 127 ? x - 256 : x));
    return v.length === 1 ? v[0] : v;
  }
  if (a.type === "char" && typeof a.value === "string") {
    const s = a.value;
    if ([...s].every((c) => c.charCodeAt(0) < 256))
      return new TextDecoder().decode(Uint8Array.from(s, (c) => c.charCodeAt(0)));
    return s;
  }
  return a.value;
}

function attrsOf(list: { name: string; type: string; value: unknown }[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of list) out[a.name] = attrValue(a);
  return out;
}

async function parseHeader(fh: FileHandle, file: string, size: number): Promise<NetCDFReader> {
  let n = Math.min(size, 65536);
  for (;;) {
    const bytes = await readAt(fh, file, 0, n);
    try {
      return new NetCDFReader(bytes);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (/offsets larger than 4GB/.test(msg))
        throw inputError(
          "NetCDF-3 64-bit offset file with variables beyond 4 GiB, which netcdfjs cannot address; convert it with nccopy -k nc4 in.nc out.nc",
          file,
        );
      const outOfRange = /out of range|outside the bounds|Offset is outside|RangeError/i.test(
        `${(e as Error).name} ${msg}`,
      );
      if (outOfRange && n < size && n < MAX_HEADER) {
        n = Math.min(size, n * 4, MAX_HEADER);
        continue;
      }
      throw inputError(`not a readable NetCDF-3 file (${msg.slice(0, 200)})`, file);
    }
  }
}

const typedView = (t: SourceDType, b: Uint8Array) => {
  const buf = b.buffer;
  const o = b.byteOffset;
  const n = b.byteLength / t.size;
  if (t.kind === "f") return t.size === 4 ? new Float32Array(buf, o, n) : new Float64Array(buf, o, n);
  if (t.size === 1) return new Int8Array(buf, o, n);
  return t.size === 2 ? new Int16Array(buf, o, n) : new Int32Array(buf, o, n);
};

/** A NetCDF-3 (CDF-1 / CDF-2) file as a SourceFile. */
export async function netcdf3File(path: string): Promise<SourceFile> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, "r");
  } catch (e) {
    throw inputError(`cannot open: ${(e as Error).message}`, path);
  }
  const size = (await fh.stat()).size;
  let reader: NetCDFReader;
  try {
    reader = await parseHeader(fh, path, size);
  } catch (e) {
    await fh.close();
    throw e;
  }
  // The open handle and the reads using it: close() waits for those reads, a later read reopens.
  let users = 0;
  let closing: FileHandle | undefined;
  let opening: Promise<FileHandle> | undefined;
  const acquire = async (): Promise<FileHandle> => {
    users++;
    if (fh) return fh;
    opening ??= open(path, "r").then((h) => {
      fh = h;
      opening = undefined;
      return h;
    });
    return opening;
  };
  const release = async (h: FileHandle) => {
    users--;
    if (users === 0 && closing === h) {
      closing = undefined;
      await h.close();
    }
  };
  const header = reader.header;
  const dimNames = header.dimensions.map((d) => d.name);
  const recordId = header.recordDimension.id;
  const numrecs = header.recordDimension.length;
  const recordVars = header.variables.filter((v) => v.record);
  const vsize = (v: (typeof header.variables)[number]) => {
    const t = TYPES[v.type];
    const n = v.dimensions.slice(v.record ? 1 : 0).reduce((a, d) => a * header.dimensions[d].size, 1);
    return n * (t?.size ?? 1);
  };
  const pad4 = (n: number) => Math.ceil(n / 4) * 4;
  const recsize =
    recordVars.length === 1 ? vsize(recordVars[0]) : recordVars.reduce((a, v) => a + pad4(vsize(v)), 0);

  const variables: SourceVariable[] = header.variables.map((hv) => {
    const type = TYPES[hv.type];
    const shape = hv.dimensions.map((d) => (d === recordId ? numrecs : header.dimensions[d].size));
    const dims = hv.dimensions.map((d) => dimNames[d]);
    const list = hv.attributes as unknown as { name: string; type: string; value: unknown }[];
    const attrs = attrsOf(list);
    const f32Attributes = new Set(list.filter((a) => a.type === "float").map((a) => a.name));
    const v: SourceVariable = {
      path: hv.name,
      dims,
      shape,
      attrs,
      f32Attributes,
      ...(type ? { type } : {}),
      async read(ranges) {
        if (!type) throw inputError(`variable ${hv.name} is not numeric`, path);
        const es = type.size;
        // A 1D record variable: one element per record (a trailing dimension of 1 keeps the loop below simple).
        const sh = hv.record && shape.length === 1 ? [shape[0], 1] : shape;
        const rg = hv.record && shape.length === 1 ? [...ranges, [0, 1] as [number, number]] : ranges;
        // Byte stride of each dimension; the record dimension steps by recsize.
        const stride: number[] = new Array(sh.length);
        let s = es;
        for (let k = sh.length - 1; k >= 0; k--) {
          stride[k] = hv.record && k === 0 ? recsize : s;
          s *= sh[k];
        }
        // Innermost dimensions read whole form one contiguous run (never across records).
        let j = sh.length - 1;
        while (j > (hv.record ? 1 : 0) && rg[j][0] === 0 && rg[j][1] === sh[j]) j--;
        const runElems = (rg[j][1] - rg[j][0]) * sh.slice(j + 1).reduce((a, b) => a * b, 1);
        const total = rg.reduce((a, r) => a * (r[1] - r[0]), 1);
        const out = new Uint8Array(total * es);
        const f = await acquire();
        try {
          const idx = rg.slice(0, j).map((r) => r[0]);
          let o = 0;
          for (;;) {
            let off = hv.offset + rg[j][0] * stride[j];
            for (let k = 0; k < j; k++) off += idx[k] * stride[k];
            await readAt(f, `${path}:${hv.name}`, off, runElems * es, out.subarray(o, o + runElems * es));
            o += runElems * es;
            let k = j - 1;
            while (k >= 0 && ++idx[k] >= rg[k][1]) {
              idx[k] = rg[k][0];
              k--;
            }
            if (k < 0) break;
          }
        } finally {
          await release(f);
        }
        if (es > 1) byteSwap(out, es);
        return typedView(type, out);
      },
    };
    return v;
  });
  const byName = new Map(variables.map((v) => [v.path, v]));
  return {
    file: path,
    netcdf: true,
    variables,
    attrs: attrsOf(header.globalAttributes as unknown as { name: string; type: string; value: unknown }[]),
    coordinate(dim) {
      const v = byName.get(dim);
      return v && v.dims?.length === 1 && v.dims[0] === dim ? v : undefined;
    },
    async close() {
      const h = fh;
      fh = undefined;
      if (!h) return;
      if (users === 0) await h.close();
      else closing = h;
    },
  };
}
