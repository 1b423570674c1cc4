/**
 * A local stand-in for a dataset in object storage, for merge: a sparse file
 * of the object's size holding, at their own offsets, only the bytes merge
 * reads to plan the copy (open block, timestep roots, metadata, the part
 * section, the probe index section, every hierarchy page). Brick bytes are holes: merge never reads
 * them, it has the store copy them (S3Sink.copyRange). The synchronous file
 * readers (fvx-file.ts) then work on it unchanged.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OPEN_BLOCK_SIZE, SectionKind } from "../format/constants";
import { levelGeometry } from "../format/grid";
import { decodePage, linearBrick, type PageRef } from "../format/hierarchy";
import { decodeRoots } from "../format/temporal";
import { xxhash32 } from "../format/xxhash32";
import { initZstd, zstdDecompressExact } from "../format/zstd";
import { parseOpenBlock } from "../reader/open-block";
import { FlatvoxError } from "../shared/errors";
import type { Vec3 } from "../shared/types";
import { PART_SECTION_KIND } from "./part";
import { type S3Options, s3GetRange, s3Head } from "./s3";

export interface S3Shadow {
  url: string;
  /** The sparse local file. */
  path: string;
  size: number;
  /** Bytes read from the store to build it. */
  readBytes: number;
  remove(): void;
}

export async function shadowS3Dataset(url: string, opts: S3Options = {}): Promise<S3Shadow> {
  await initZstd();
  const { size } = await s3Head(url, opts);
  const dir = mkdtempSync(join(tmpdir(), "flatvox-shadow-"));
  const path = join(dir, "part.fvx");
  const fd = openSync(path, "w");
  let readBytes = 0;
  const fetchTo = async (offset: number, length: number): Promise<Uint8Array> => {
    if (offset + length > size)
      throw new FlatvoxError("TruncatedError", `${url}: a structure ends past the object's end`, {
        offset,
        length,
        url,
      });
    const b = await s3GetRange(url, offset, offset + length, opts);
    readBytes += length;
    writeSync(fd, b, 0, b.length, offset);
    return b;
  };
  try {
    ftruncateSync(fd, size);
    const block = await fetchTo(0, Math.min(OPEN_BLOCK_SIZE, size));
    const parsed = parseOpenBlock(block, size);
    const inBlock = (o: number, n: number) => o + n <= block.length;
    const h = parsed.header;
    const F = h.fields.length;
    let roots: PageRef[] | undefined = parsed.roots;
    for (const s of parsed.sections) {
      const wanted =
        s.kind === SectionKind.TIMESTEP_ROOTS ||
        s.kind === SectionKind.METADATA ||
        s.kind === SectionKind.PROBE_INDEX ||
        s.kind === PART_SECTION_KIND;
      if (!wanted || inBlock(s.offset, s.length)) continue;
      const b = await fetchTo(s.offset, s.length);
      if (s.kind === SectionKind.TIMESTEP_ROOTS) roots = decodeRoots(b, parsed.times.length * F, s.offset);
    }
    if (!roots) throw new FlatvoxError("FormatError", `${url}: no timestep roots`);
    const geoms = levelGeometry(h.dims, h.brickSize);
    // Every hierarchy page, a few requests at a time.
    const queue: { ref: PageRef; field: number; t: number; rootLevel: number; root: Vec3 }[] = [];
    for (let i = 0; i < roots.length; i++)
      queue.push({
        ref: roots[i],
        field: i % F,
        t: Math.floor(i / F),
        rootLevel: geoms.length - 1,
        root: [0, 0, 0],
      });
    const worker = async () => {
      for (let job = queue.pop(); job; job = queue.pop()) {
        const { ref } = job;
        const stored = inBlock(ref.offset, ref.length)
          ? block.subarray(ref.offset, ref.offset + ref.length)
          : await fetchTo(ref.offset, ref.length);
        const ctx = { section: "hierarchy", offset: ref.offset, url };
        if (xxhash32(stored) !== ref.checksum)
          throw new FlatvoxError("ChecksumError", `${url}: hierarchy page checksum mismatch`, ctx);
        const raw = zstdDecompressExact(stored, ref.rawLength, ctx);
        const page = decodePage(raw, job, geoms, ref.offset);
        const bottom = page.layout.bottomLevel;
        for (const c of page.layout.childRoots)
          queue.push({
            ref: page.children.get(linearBrick(geoms[bottom], c))!,
            field: job.field,
            t: job.t,
            rootLevel: bottom,
            root: c,
          });
      }
    };
    // Workers end when the queue is empty; children are queued before a worker looks again, so rerun until drained.
    while (queue.length) await Promise.all(Array.from({ length: 8 }, worker));
    closeSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { url, path, size, readBytes, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
