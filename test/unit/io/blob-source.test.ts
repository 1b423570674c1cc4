/** BlobSource: a File/Blob read range by range, keyed by name + size + mtime, through the same reader. */
import { describe, expect, it } from "vitest";
import { BlobSource, blobKey } from "../../../src/io/blob-source";
import { FileSource } from "../../../src/io/file-source";
import { openDataset } from "../../../src/reader";
import { isFlatvoxError } from "../../../src/shared/errors";
import { cleanupTemp, packSmall } from "../reader/fixtures";

const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 255);

describe("BlobSource", () => {
  it("reads exact ranges and slices only what is asked", async () => {
    const sliced: [number, number][] = [];
    class SpyBlob extends Blob {
      override slice(a?: number, b?: number): Blob {
        sliced.push([a ?? 0, b ?? this.size]);
        return super.slice(a, b);
      }
    }
    const spy = new SpyBlob([bytes]);
    const src = new BlobSource(spy);
    expect(src.size).toBe(1000);
    expect([...(await src.getBytes(10, 5))]).toEqual([...bytes.subarray(10, 15)]);
    expect([...(await src.getBytes(995, 10, { upTo: true }))]).toEqual([...bytes.subarray(995)]);
    expect(sliced).toEqual([
      [10, 15],
      [995, 1000],
    ]);
  });

  it("fails a read past the end or a bad range with a typed error", async () => {
    const src = new BlobSource(new Blob([bytes]));
    const past = await src.getBytes(990, 20).catch((e) => e);
    expect(isFlatvoxError(past, "TruncatedError")).toBe(true);
    expect(String(past.message)).toContain("990");
    const neg = await src.getBytes(-1, 4).catch((e) => e);
    expect(isFlatvoxError(neg, "RangeError")).toBe(true);
    const aborted = await src.getBytes(0, 4, { signal: AbortSignal.abort() }).catch((e) => e);
    expect(isFlatvoxError(aborted, "AbortError")).toBe(true);
  });

  it("keys a file by name, size and modification time", () => {
    const a = new File([bytes], "run.fvx", { lastModified: 1000 });
    const b = new File([bytes], "run.fvx", { lastModified: 2000 });
    const c = new File([bytes.subarray(1)], "run.fvx", { lastModified: 1000 });
    expect(blobKey(a)).toBe("run.fvx@1000-1000");
    expect(new Set([blobKey(a), blobKey(b), blobKey(c)]).size).toBe(3);
    expect(new BlobSource(a).etag).toBe(blobKey(a));
  });

  it("opens a dataset with the same reader: the same region as from the file", async () => {
    const packed = await packSmall([{ name: "a", dtype: "f32", kind: "scalar" }]);
    try {
      const fromBlob = await openDataset(
        new BlobSource(new File([packed.bytes as Uint8Array<ArrayBuffer>], "t.fvx")),
        { workers: false },
      );
      const fromFile = await openDataset(await FileSource.open(packed.path), { workers: false });
      const q = {
        field: "a",
        t: 1,
        box: { min: [3, 2, 1] as [number, number, number], max: [30, 17, 8] as [number, number, number] },
      };
      const [x, y] = await Promise.all([fromBlob.readRegion(q), fromFile.readRegion(q)]);
      expect(x.length).toBe(27 * 15 * 7);
      expect([...x]).toEqual([...y]);
      await fromFile.source.close?.();
    } finally {
      cleanupTemp();
    }
  });
});
