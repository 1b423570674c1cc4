import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ByteSource, ReadOptions } from "../../../src/io/byte-source";
import { HttpSource } from "../../../src/io/http-source";
import { withConcurrency } from "../../../src/io/with-concurrency";
import { withDedupe } from "../../../src/io/with-dedupe";
import { isFlatvoxError } from "../../../src/shared/errors";
import { makeTempDir, seededBytes, startFlatvox, startNginx, type TestServer } from "../../helpers/servers";

const SIZE = 2 * 1024 * 1024;
const data = seededBytes(SIZE, 5);
const dir = makeTempDir();
writeFileSync(join(dir, "data.bin"), data);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
const same = (a: Uint8Array, offset: number, length: number) =>
  a.length === length && Buffer.compare(a, data.subarray(offset, offset + length)) === 0;

/** Records the signal each read below received and how it ended. */
function recording(inner: ByteSource) {
  const calls: Array<{ options: ReadOptions; outcome?: string }> = [];
  const src: ByteSource = {
    id: inner.id,
    getBytes: (offset, length, options = {}) => {
      const call: { options: ReadOptions; outcome?: string } = { options };
      calls.push(call);
      return inner.getBytes(offset, length, options).then(
        (b) => {
          call.outcome = "ok";
          return b;
        },
        (e) => {
          call.outcome = e.tag ?? String(e);
          throw e;
        },
      );
    },
  };
  return { src, calls };
}

describe.each([
  ["flatvox", startFlatvox],
  ["nginx", startNginx],
] as const)("dedupe against %s", (_name, start) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start(dir);
  });
  afterAll(() => server.stop());
  beforeEach(() => server.clearLog());

  it("identical concurrent reads make one request; later ones make a new one", async () => {
    const src = withDedupe(new HttpSource(`${server.url}data.bin`));
    const got = await Promise.all(Array.from({ length: 5 }, () => src.getBytes(4096, 100_000)));
    for (const g of got) expect(same(g, 4096, 100_000)).toBe(true);
    expect(await server.log()).toHaveLength(1);
    expect(src.inFlight()).toBe(0);
    await src.getBytes(4096, 100_000);
    expect(await server.log()).toHaveLength(2);
  });

  it("different ranges are not shared", async () => {
    const src = withDedupe(new HttpSource(`${server.url}data.bin`));
    await Promise.all([src.getBytes(0, 10), src.getBytes(0, 11), src.getBytes(0, 10, { upTo: true })]);
    expect(await server.log()).toHaveLength(3);
  });
});

describe("dedupe and concurrency: cancellation and bounds", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startFlatvox(dir);
  });
  afterAll(() => server.stop());
  beforeEach(async () => {
    server.faults.delayMs = 150;
    await server.clearLog();
  });

  it("a shared read survives some callers aborting", async () => {
    const { src: rec, calls } = recording(new HttpSource(`${server.url}data.bin`));
    const src = withDedupe(rec);
    const acs = [new AbortController(), new AbortController(), new AbortController()];
    const ps = acs.map((ac) => src.getBytes(0, 5000, { signal: ac.signal }).catch((e) => e));
    setTimeout(() => {
      acs[0].abort();
      acs[1].abort();
    }, 30);
    const [a, b, c] = await Promise.all(ps);
    expect(isFlatvoxError(a, "AbortError") && isFlatvoxError(b, "AbortError")).toBe(true);
    expect(same(c, 0, 5000)).toBe(true);
    expect(calls.map((x) => x.outcome)).toEqual(["ok"]);
    expect((await server.log()).map((r) => r.status)).toEqual([206]);
  });

  it("the shared read is cancelled when every caller aborted, and a new caller starts afresh", async () => {
    const { src: rec, calls } = recording(new HttpSource(`${server.url}data.bin`));
    const src = withDedupe(rec);
    const acs = [new AbortController(), new AbortController()];
    const ps = acs.map((ac) => src.getBytes(0, 5000, { signal: ac.signal }).catch((e) => e));
    await new Promise((r) => setTimeout(r, 30));
    for (const ac of acs) ac.abort();
    for (const e of await Promise.all(ps)) expect(isFlatvoxError(e, "AbortError")).toBe(true);
    expect(calls[0].options.signal?.aborted).toBe(true);
    const fresh = await src.getBytes(0, 5000);
    expect(same(fresh, 0, 5000)).toBe(true);
    expect(calls.map((x) => x.outcome)).toEqual(["AbortError", "ok"]);
  });

  it("bounds requests in flight, measured on the server", async () => {
    const src = withConcurrency(new HttpSource(`${server.url}data.bin`), 3);
    const reads = Array.from({ length: 12 }, (_, i) => [i * 50_000, 10_000] as const);
    const got = await Promise.all(reads.map(([o, l]) => src.getBytes(o, l)));
    got.forEach((g, i) => {
      expect(same(g, ...reads[i])).toBe(true);
    });
    expect(server.maxInFlight()).toBe(3);
    expect(src.concurrency()).toEqual({ active: 0, queued: 0, peak: 3 });
    expect(await server.log()).toHaveLength(12);
  });

  it("a read aborted while queued never reaches the server", async () => {
    const src = withConcurrency(new HttpSource(`${server.url}data.bin`), 1);
    const ac = new AbortController();
    const first = src.getBytes(0, 10);
    const queued = src.getBytes(777, 10, { signal: ac.signal });
    const third = src.getBytes(20, 10);
    const t0 = performance.now();
    ac.abort();
    const e = await queued.catch((x) => x);
    expect(isFlatvoxError(e, "AbortError")).toBe(true);
    expect(performance.now() - t0).toBeLessThan(250);
    await Promise.all([first, third]);
    expect((await server.log()).map((r) => r.range)).toEqual(["bytes=0-9", "bytes=20-29"]);
  });
});
