// Server misbehaviour, injected by the test server: every fault must be
// retried or reported clearly, and the counts are checked on the server side.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HttpSource } from "../../../src/io/http-source";
import { isTransient } from "../../../src/io/transient";
import { withRetry } from "../../../src/io/with-retry";
import { isFlatvoxError } from "../../../src/shared/errors";
import { changeFile, makeTempDir, seededBytes, startFlatvox, type TestServer } from "../../helpers/servers";

const SIZE = 2 * 1024 * 1024;
const data = seededBytes(SIZE, 3);
const dir = makeTempDir();
writeFileSync(join(dir, "data.bin"), data);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let server: TestServer;
let url: string;
beforeAll(async () => {
  server = await startFlatvox(dir);
  url = `${server.url}data.bin`;
});
afterAll(() => server.stop());
beforeEach(async () => {
  for (const k of Object.keys(server.faults)) delete server.faults[k as keyof typeof server.faults];
  await server.clearLog();
});

const same = (a: Uint8Array, offset: number) =>
  Buffer.compare(a, data.subarray(offset, offset + a.length)) === 0;

describe("server that ignores Range", () => {
  it("still works: one 200 response, kept and sliced for later reads", async () => {
    server.faults.ignoreRange = true;
    const src = new HttpSource(url);
    const a = await src.getBytes(1000, 500);
    const b = await src.getBytes(SIZE - 10, 10);
    expect(same(a, 1000) && same(b, SIZE - 10)).toBe(true);
    expect(src.rangesUnsupported).toBe(true);
    expect(src.size).toBe(SIZE);
    expect((await server.log()).map((r) => r.status)).toEqual([200]);
    expect(await src.getBytes(SIZE - 5, 100, { upTo: true })).toHaveLength(5);
  });

  it("refuses a whole-file body larger than the limit, with a clear message", async () => {
    server.faults.ignoreRange = true;
    const src = new HttpSource(url, { maxFullBody: 1024 * 1024 });
    const e = await src.getBytes(0, 100).catch((x) => x);
    expect(isFlatvoxError(e, "RangeNotSupportedError")).toBe(true);
    expect(e.message).toMatch(/does not support range requests/);
    expect(isTransient(e)).toBe(false);
  });
});

describe("retries", () => {
  it("retries 503 until success and reports each retry", async () => {
    server.faults.failNext = 3;
    const retries: number[] = [];
    const delays: number[] = [];
    const src = withRetry(new HttpSource(url), {
      baseMs: 5,
      onRetry: (r) => {
        retries.push(r.attempt);
        delays.push(r.delayMs);
      },
    });
    const got = await src.getBytes(5000, 1000);
    expect(same(got, 5000)).toBe(true);
    expect(retries).toEqual([1, 2, 3]);
    // Exponential with jitter: attempt n waits between half and all of 5·2^(n-1) ms.
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(2.5 * 2 ** i);
      expect(d).toBeLessThanOrEqual(5 * 2 ** i);
    });
    expect((await server.log()).map((r) => r.status)).toEqual([503, 503, 503, 206]);
  });

  it("gives up after `retries` and reports the last transient error", async () => {
    server.faults.failNext = 10;
    const src = withRetry(new HttpSource(url), { retries: 2, baseMs: 1 });
    const e = await src.getBytes(0, 10).catch((x) => x);
    expect(isFlatvoxError(e, "HttpError")).toBe(true);
    expect(e.context.status).toBe(503);
    expect((await server.log()).length).toBe(3);
  });

  it("honours Retry-After (bounded)", async () => {
    server.faults.failNext = 1;
    server.faults.retryAfter = 1;
    const delays: number[] = [];
    const src = withRetry(new HttpSource(url), {
      baseMs: 1,
      maxMs: 200,
      onRetry: (r) => delays.push(r.delayMs),
    });
    await src.getBytes(0, 10);
    expect(delays[0]).toBeGreaterThanOrEqual(1000);
  });

  it("never retries 4xx", async () => {
    server.faults.failNext = 1;
    server.faults.failStatus = 403;
    const src = withRetry(new HttpSource(url), { baseMs: 1 });
    const e = await src.getBytes(0, 10).catch((x) => x);
    expect(e.context.status).toBe(403);
    expect((await server.log()).length).toBe(1);
  });

  it("retries a connection reset before the response", async () => {
    server.faults.resetNext = 2;
    const src = withRetry(new HttpSource(url), { baseMs: 5 });
    expect(same(await src.getBytes(100, 100), 100)).toBe(true);
    expect((await server.log()).length).toBe(3);
  });

  it("retries a connection reset in the middle of the body", async () => {
    server.faults.resetMidBodyNext = 1;
    let retried = 0;
    const src = withRetry(new HttpSource(url), { baseMs: 5, onRetry: () => retried++ });
    expect(same(await src.getBytes(0, 512 * 1024), 0)).toBe(true);
    expect(retried).toBe(1);
  });

  it("times out a stalled request and retries it", async () => {
    server.faults.stallNext = 1;
    const errors: unknown[] = [];
    const src = withRetry(new HttpSource(url), {
      baseMs: 5,
      timeoutMs: 300,
      onRetry: (r) => errors.push(r.error),
    });
    const t0 = performance.now();
    expect(same(await src.getBytes(0, 1000), 0)).toBe(true);
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(errors).toHaveLength(1);
    expect(isTransient(errors[0])).toBe(true);
    expect((errors[0] as Error).message).toMatch(/timed out/);
    expect((await server.log()).length).toBe(2);
  });

  it("an abort during backoff stops retrying at once", async () => {
    server.faults.failNext = 100;
    const ac = new AbortController();
    const src = withRetry(new HttpSource(url), { baseMs: 5000, maxMs: 5000 });
    const p = src.getBytes(0, 10, { signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    const t0 = performance.now();
    const e = await p.catch((x) => x);
    expect(isFlatvoxError(e, "AbortError")).toBe(true);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect((await server.log()).length).toBe(1);
  });

  it("does not retry an ETag change", async () => {
    const path = join(dir, "c.bin");
    writeFileSync(path, data.subarray(0, 1000));
    const src = withRetry(new HttpSource(`${server.url}c.bin`), { baseMs: 1 });
    await src.getBytes(0, 10);
    changeFile(path, data.subarray(5, 1005));
    await server.clearLog();
    const e = await src.getBytes(0, 10).catch((x) => x);
    expect(isFlatvoxError(e, "ETagChangedError")).toBe(true);
    expect((await server.log()).length).toBe(1);
  });
});
