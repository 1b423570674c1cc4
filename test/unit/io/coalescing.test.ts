import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ByteSource, ReadOptions } from "../../../src/io/byte-source";
import { HttpSource } from "../../../src/io/http-source";
import { MemorySource } from "../../../src/io/memory-source";
import { planRuns, withCoalescing } from "../../../src/io/with-coalescing";
import { isFlatvoxError } from "../../../src/shared/errors";
import { makeTempDir, seededBytes, startFlatvox, startNginx, type TestServer } from "../../helpers/servers";

const SIZE = 4 * 1024 * 1024 + 77;
const data = seededBytes(SIZE, 11);
const dir = makeTempDir();
writeFileSync(join(dir, "data.bin"), data);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
const KiB = 1024;

const same = (a: Uint8Array, offset: number, length: number) =>
  a.length === length && Buffer.compare(a, data.subarray(offset, offset + length)) === 0;

/** Server-side range lengths, from the Range header of each logged request. */
const loggedLengths = (log: { range?: string }[]) =>
  log.map((r) => {
    const [a, b] = r.range!.slice(6).split("-").map(Number);
    return b - a + 1;
  });

describe.each([
  ["flatvox", startFlatvox],
  ["nginx", startNginx],
] as const)("coalescing against %s", (_name, start) => {
  let server: TestServer;
  let url: string;
  beforeAll(async () => {
    server = await start(dir);
    url = `${server.url}data.bin`;
  });
  afterAll(() => server.stop());
  beforeEach(() => server.clearLog());

  it("merges adjacent reads of one tick into one request per cluster", async () => {
    // Gap merging alone (multi-range requests, which would join the clusters, are tested in multi-range.test.ts).
    const src = withCoalescing(new HttpSource(url), {
      gap: 32 * KiB,
      maxRequest: 4 * 1024 * KiB,
      multiRange: false,
    });
    const reads: Array<[number, number]> = [];
    for (let i = 0; i < 16; i++) reads.push([i * 10 * KiB, 10 * KiB]); // contiguous
    for (let i = 0; i < 4; i++) reads.push([2 * 1024 * KiB + i * 30 * KiB, 20 * KiB]); // 10 KiB gaps
    reads.push([SIZE - 100, 100]); // alone at the end
    const got = await Promise.all(reads.map(([o, l]) => src.getBytes(o, l)));
    got.forEach((g, i) => {
      expect(same(g, ...reads[i])).toBe(true);
    });
    const log = await server.log();
    expect(log).toHaveLength(3);
    const sorted = [...reads].sort((a, b) => a[0] - b[0]).map(([offset, length]) => ({ offset, length }));
    expect(log.length).toBeLessThanOrEqual(planRuns(sorted, 32 * KiB, 4 * 1024 * KiB).length);
    expect(src.coalescing()).toEqual({ calls: reads.length, requests: 3 });
  });

  it("keeps reads apart when the gap is larger than the threshold", async () => {
    const src = withCoalescing(new HttpSource(url), { gap: 4 * KiB, multiRange: false });
    const reads = [0, 100 * KiB, 200 * KiB, 300 * KiB].map((o) => [o, 1000] as [number, number]);
    const got = await Promise.all(reads.map(([o, l]) => src.getBytes(o, l)));
    got.forEach((g, i) => {
      expect(same(g, ...reads[i])).toBe(true);
    });
    expect(await server.log()).toHaveLength(4);
  });

  it("respects maxRequest", async () => {
    const maxRequest = 1024 * KiB;
    const src = withCoalescing(new HttpSource(url), { gap: 64 * KiB, maxRequest });
    const reads: Array<[number, number]> = [];
    for (let i = 0; i < 40; i++) reads.push([i * 100 * KiB, 100 * KiB]);
    const got = await Promise.all(reads.map(([o, l]) => src.getBytes(o, l)));
    got.forEach((g, i) => {
      expect(same(g, ...reads[i])).toBe(true);
    });
    const lengths = loggedLengths(await server.log());
    expect(Math.max(...lengths)).toBeLessThanOrEqual(maxRequest);
    expect(lengths).toHaveLength(4); // 10 reads of 100 KiB fit in 1 MiB
  });

  it("does not merge reads issued in different ticks", async () => {
    const src = withCoalescing(new HttpSource(url));
    for (let i = 0; i < 3; i++) expect(same(await src.getBytes(i * 1000, 1000), i * 1000, 1000)).toBe(true);
    expect(await server.log()).toHaveLength(3);
  });

  it("serves members inside a run that reaches past the end, and fails only the one that overreaches", async () => {
    const src = withCoalescing(new HttpSource(url));
    const [a, b, c] = await Promise.allSettled([
      src.getBytes(SIZE - 5000, 1000),
      src.getBytes(SIZE - 3000, 5000, { upTo: true }),
      src.getBytes(SIZE - 2000, 4000),
    ]);
    expect(a.status === "fulfilled" && same(a.value, SIZE - 5000, 1000)).toBe(true);
    expect(b.status === "fulfilled" && same(b.value, SIZE - 3000, 3000)).toBe(true);
    expect(c.status === "rejected" && isFlatvoxError(c.reason, "TruncatedError")).toBe(true);
    expect(await server.log()).toHaveLength(1);
  });
});

/** Records what reaches the source below, so signal handling can be observed. */
function recording(inner: ByteSource) {
  const calls: Array<{ offset: number; length: number; options: ReadOptions }> = [];
  const src: ByteSource = {
    id: inner.id,
    getBytes: (offset, length, options = {}) => {
      calls.push({ offset, length, options });
      return inner.getBytes(offset, length, options);
    },
  };
  return { src, calls };
}

describe("coalescing: signals and options", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startFlatvox(dir, { faults: { delayMs: 150 } });
  });
  afterAll(() => server.stop());

  it("one caller aborting leaves the merged read running for the others", async () => {
    const { src: rec, calls } = recording(new HttpSource(`${server.url}data.bin`));
    const src = withCoalescing(rec);
    const ac = new AbortController();
    const pa = src.getBytes(0, 1000, { signal: ac.signal });
    const pb = src.getBytes(1000, 1000, { signal: new AbortController().signal });
    setTimeout(() => ac.abort(), 30);
    const [a, b] = await Promise.allSettled([pa, pb]);
    expect(a.status === "rejected" && isFlatvoxError(a.reason, "AbortError")).toBe(true);
    expect(b.status === "fulfilled" && same(b.value, 1000, 1000)).toBe(true);
    expect(calls).toHaveLength(1);
    expect(calls[0].options.signal?.aborted).toBe(false);
  });

  it("the merged read is cancelled once every caller aborted", async () => {
    const { src: rec, calls } = recording(new HttpSource(`${server.url}data.bin`));
    const src = withCoalescing(rec);
    const acs = [new AbortController(), new AbortController()];
    const ps = acs.map((ac, i) => src.getBytes(i * 1000, 1000, { signal: ac.signal }).catch((e) => e));
    setTimeout(() => {
      for (const ac of acs) ac.abort();
    }, 30);
    const errs = await Promise.all(ps);
    for (const e of errs) expect(isFlatvoxError(e, "AbortError")).toBe(true);
    expect(calls).toHaveLength(1);
    expect(calls[0].options.signal?.aborted).toBe(true);
  });

  it("passes verify, purpose and upTo through for a lone read, drops verify for merged ones", async () => {
    const { src: rec, calls } = recording(new MemorySource(data));
    const src = withCoalescing(rec);
    const verify = () => {};
    await src.getBytes(0, 10, { verify, purpose: "header" });
    await Promise.all([
      src.getBytes(100, 10, { verify, purpose: "brick" }),
      src.getBytes(110, 10, { verify, purpose: "brick" }),
    ]);
    expect(calls[0].options.verify).toBe(verify);
    expect(calls[0].options.purpose).toBe("header");
    expect(calls[1].options.verify).toBeUndefined();
    expect(calls[1].options.purpose).toBe("brick");
    expect([calls[1].offset, calls[1].length]).toEqual([100, 20]);
  });
});

describe("planRuns", () => {
  it("groups by gap and cap, contained ranges included", () => {
    const r = (offset: number, length: number) => ({ offset, length });
    const runs = planRuns([r(0, 10), r(5, 2), r(15, 10), r(100, 10), r(111, 100)], 5, 100);
    expect(runs.map((x) => [x.start, x.end, x.members])).toEqual([
      [0, 25, [0, 1, 2]],
      [100, 110, [3]],
      [111, 211, [4]],
    ]);
  });
});
