import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Purpose } from "../../../src/io/byte-source";
import { createSource, createSourceAsync, isHttpUrl } from "../../../src/io/create-source";
import { MemorySource } from "../../../src/io/memory-source";
import { withAccounting } from "../../../src/io/with-accounting";
import { isFlatvoxError } from "../../../src/shared/errors";
import {
  changeFile,
  makeTempDir,
  seededBytes,
  startFlatvox,
  startNginx,
  type TestServer,
} from "../../helpers/servers";

const SIZE = 3 * 1024 * 1024;
const data = seededBytes(SIZE, 9);
const dir = makeTempDir();
writeFileSync(join(dir, "data.bin"), data);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
const same = (a: Uint8Array, offset: number, length: number) =>
  a.length === length && Buffer.compare(a, data.subarray(offset, offset + length)) === 0;

/** A deterministic workload: bursts of brick-like reads, some repeated, some far apart. */
function workload(): Array<Array<[number, number, Purpose]>> {
  let s = 1234;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const bursts: Array<Array<[number, number, Purpose]>> = [[[0, 65536, "open"]]];
  for (let b = 0; b < 6; b++) {
    const burst: Array<[number, number, Purpose]> = [];
    const base = Math.floor(rnd() * (SIZE - 600_000));
    for (let i = 0; i < 12; i++) {
      const off = base + Math.floor(rnd() * 500_000);
      burst.push([off, 1 + Math.floor(rnd() * 40_000), i % 4 === 0 ? "hierarchy" : "brick"]);
    }
    burst.push(burst[3]); // a duplicate in flight
    bursts.push(burst);
  }
  return bursts;
}

describe.each([
  ["flatvox", startFlatvox],
  ["nginx", startNginx],
] as const)("createSource stack against %s", (_name, start) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start(dir);
  });
  afterAll(() => server.stop());
  beforeEach(() => server.clearLog());

  it("reads correctly, and its accounting matches the server's own count", async () => {
    const src = createSource(`${server.url}data.bin`);
    let calls = 0;
    let bytesRequested = 0;
    for (const burst of workload()) {
      const got = await Promise.all(burst.map(([o, l, purpose]) => src.getBytes(o, l, { purpose })));
      got.forEach((g, i) => {
        expect(same(g, burst[i][0], burst[i][1])).toBe(true);
      });
      calls += burst.length;
      bytesRequested += burst.reduce((n, [, l]) => n + l, 0);
    }
    const log = await server.log();
    const st = src.stats();
    expect(st.calls).toBe(calls);
    expect(st.bytesRequested).toBe(bytesRequested);
    expect(st.requests).toBe(log.length);
    expect(st.requests).toBeLessThan(calls / 2); // coalescing and dedupe pay off
    // Bytes of the asked ranges; a multi-range answer also carries each part's header lines (< 200 B).
    let serverBytes = 0;
    let parts = 0;
    for (const r of log) {
      const specs = r.range!.slice(6).split(",");
      for (const spec of specs) {
        const [a, b] = spec.split("-").map(Number);
        serverBytes += Math.min(b, SIZE - 1) - a + 1;
      }
      if (specs.length > 1) parts += specs.length + 1;
    }
    expect(st.bytes).toBeGreaterThanOrEqual(serverBytes);
    expect(st.bytes).toBeLessThanOrEqual(serverBytes + 200 * parts);
    const byPurpose = Object.values(st.byPurpose);
    expect(byPurpose.reduce((n, p) => n + p!.calls, 0)).toBe(calls);
    expect(byPurpose.reduce((n, p) => n + p!.requests, 0)).toBe(log.length);
    expect(st.byPurpose.open).toEqual({ calls: 1, bytesRequested: 65536, requests: 1, bytes: 65536 });
    for (const r of log) {
      expect(r.range).toMatch(/^bytes=\d+-\d+(,\d+-\d+)*$/);
      expect(r.headers["if-match"] ?? r.headers["if-range"] ?? r.headers["content-type"]).toBeUndefined();
    }
    src.reset();
    expect(src.stats().requests).toBe(0);
  });

  it("reports the file changing mid-session", async () => {
    const path = join(dir, "mut.bin");
    writeFileSync(path, data.subarray(0, 200_000));
    const src = createSource(`${server.url}mut.bin`);
    await src.getBytes(0, 1000);
    changeFile(path, data.subarray(7, 200_007));
    const e = await src.getBytes(5000, 1000).catch((x) => x);
    expect(isFlatvoxError(e, "ETagChangedError")).toBe(true);
  });
});

describe("createSource stack under faults", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startFlatvox(dir);
  });
  afterAll(() => server.stop());

  it("retries below coalescing: counts every attempt, as the server does", async () => {
    server.faults.failNext = 2;
    const src = createSource(`${server.url}data.bin`, { retry: { baseMs: 5 } });
    const got = await Promise.all([src.getBytes(0, 100), src.getBytes(100, 100), src.getBytes(300, 100)]);
    expect(same(got[0], 0, 100) && same(got[1], 100, 100) && same(got[2], 300, 100)).toBe(true);
    const log = await server.log();
    expect(log.map((r) => r.status)).toEqual([503, 503, 206]);
    expect(src.stats()).toMatchObject({ calls: 3, requests: 3, errors: 2, bytes: 400 });
  });
});

describe("createSource for local files", () => {
  it("reads a path and a file:// URL with the same results", async () => {
    const path = join(dir, "data.bin");
    for (const loc of [path, pathToFileURL(path).href]) {
      const src = createSource(loc);
      expect(src.size).toBeUndefined(); // opened lazily
      expect(same(await src.getBytes(1000, 5000, { purpose: "brick" }), 1000, 5000)).toBe(true);
      expect(src.size).toBe(SIZE);
      expect(await src.getBytes(SIZE - 10, 100, { upTo: true })).toHaveLength(10);
      const e = await src.getBytes(SIZE - 10, 100).catch((x) => x);
      expect(isFlatvoxError(e, "TruncatedError")).toBe(true);
      expect(src.stats().byPurpose.brick).toEqual({
        calls: 1,
        bytesRequested: 5000,
        requests: 1,
        bytes: 5000,
      });
      await src.close?.();
    }
  });

  it("detects an in-place change of the file", async () => {
    const path = join(dir, "file-mut.bin");
    writeFileSync(path, data.subarray(0, 1000));
    const src = await createSourceAsync(path);
    expect(src.etag).toBeDefined();
    changeFile(path, data.subarray(1, 1001));
    const e = await src.getBytes(0, 10).catch((x) => x);
    expect(isFlatvoxError(e, "ETagChangedError")).toBe(true);
    await src.close?.();
  });

  it("createSourceAsync surfaces a missing file at once", async () => {
    const e = await createSourceAsync(join(dir, "nope.fvx")).catch((x) => x);
    expect(isFlatvoxError(e, "InputError")).toBe(true);
    expect(e.message).toMatch(/not found/);
  });

  it("honours abort", async () => {
    const src = createSource(join(dir, "data.bin"));
    const ac = new AbortController();
    ac.abort();
    const e = await src.getBytes(0, 10, { signal: ac.signal }).catch((x) => x);
    expect(isFlatvoxError(e, "AbortError")).toBe(true);
  });
});

describe("helpers", () => {
  it("classifies locations", () => {
    expect(isHttpUrl("https://example.org/a.fvx")).toBe(true);
    expect(isHttpUrl("HTTP://x/y")).toBe(true);
    expect(isHttpUrl("/data/a.fvx")).toBe(false); // a path, in Node
    expect(isHttpUrl("file:///data/a.fvx")).toBe(false);
  });

  it("withAccounting alone counts each read as one request", async () => {
    const src = withAccounting(new MemorySource(data));
    await src.getBytes(0, 10, { purpose: "header" });
    await src.getBytes(0, 20);
    await src.getBytes(SIZE, 20).catch(() => {});
    expect(src.stats()).toMatchObject({ calls: 3, requests: 3, bytes: 30, bytesRequested: 50, errors: 1 });
    expect(src.stats().byPurpose.header).toEqual({ calls: 1, bytesRequested: 10, requests: 1, bytes: 10 });
    expect(src.stats().byPurpose.unlabelled?.calls).toBe(2);
  });
});
