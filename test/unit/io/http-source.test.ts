import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HttpSource, parseContentRange } from "../../../src/io/http-source";
import { isFlatvoxError } from "../../../src/shared/errors";
import {
  changeFile,
  makeTempDir,
  seededBytes,
  startFlatvox,
  startNginx,
  type TestServer,
} from "../../helpers/servers";

const SIZE = 3 * 1024 * 1024 + 123;
const data = seededBytes(SIZE, 42);
const dir = makeTempDir();
writeFileSync(join(dir, "data.bin"), data);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Deterministic ranges (mulberry-style LCG) covering small, large and edge reads. */
function ranges(n: number, seed: number): Array<[number, number]> {
  let s = seed;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const out: Array<[number, number]> = [
    [0, 1],
    [0, 65536],
    [SIZE - 1, 1],
    [SIZE - 1000, 1000],
  ];
  for (let i = 0; i < n; i++) {
    const len = 1 + Math.floor(rnd() ** 3 * 512 * 1024);
    out.push([Math.floor(rnd() * (SIZE - len)), len]);
  }
  return out;
}

// Headers a fetch implementation adds by itself; none is set by our code and
// none makes a cross-origin GET non-simple (no preflight).
const AGENT_HEADERS = new Set([
  "host",
  "connection",
  "accept",
  "accept-language",
  "accept-encoding",
  "user-agent",
  "sec-fetch-mode",
  "pragma",
  "cache-control",
  "range",
]);

describe.each([
  ["flatvox", startFlatvox],
  ["nginx", startNginx],
] as const)("HttpSource against %s", (_name, start) => {
  let server: TestServer;
  let url: string;

  beforeAll(async () => {
    server = await start(dir);
    url = `${server.url}data.bin`;
  });
  afterAll(() => server.stop());
  beforeEach(() => server.clearLog());

  it("returns exact bytes for random ranges and learns size and ETag", async () => {
    const src = new HttpSource(url);
    for (const [offset, length] of ranges(40, 7)) {
      const got = await src.getBytes(offset, length);
      expect(got.length).toBe(length);
      expect(Buffer.compare(got, data.subarray(offset, offset + length))).toBe(0);
    }
    expect(src.size).toBe(SIZE);
    expect(src.etag).toMatch(/^".+"$/);
  });

  it("sends one single `bytes=N-M` Range and no other header of its own", async () => {
    const src = new HttpSource(url);
    await src.getBytes(1000, 5000);
    await src.getBytes(SIZE - 10, 100, { upTo: true });
    const log = await server.log();
    expect(log.map((r) => r.range)).toEqual(["bytes=1000-5999", `bytes=${SIZE - 10}-${SIZE + 89}`]);
    for (const r of log) {
      expect(r.method).toBe("GET");
      expect(r.range).toMatch(/^bytes=\d+-\d+$/);
      for (const name of Object.keys(r.headers)) expect(AGENT_HEADERS.has(name), name).toBe(true);
      expect(r.headers["if-match"]).toBeUndefined();
      expect(r.headers["if-range"]).toBeUndefined();
      expect(r.headers["content-type"]).toBeUndefined();
    }
  });

  it("upTo returns the bytes up to the end of the file, and nothing past it", async () => {
    const src = new HttpSource(url);
    const tail = await src.getBytes(SIZE - 100, 4096, { upTo: true });
    expect(Buffer.compare(tail, data.subarray(SIZE - 100))).toBe(0);
    expect(await src.getBytes(SIZE + 10, 4096, { upTo: true })).toHaveLength(0);
    // A whole small "file" read in one request, as the opening read does.
    const whole = await new HttpSource(url).getBytes(0, SIZE + 65536, { upTo: true });
    expect(whole.length).toBe(SIZE);
  });

  it("reports reads past the end as TruncatedError / RangeNotSatisfiableError", async () => {
    const src = new HttpSource(url);
    const short = await src.getBytes(SIZE - 10, 20).catch((e) => e);
    expect(isFlatvoxError(short, "TruncatedError")).toBe(true);
    expect(short.context.offset).toBe(SIZE - 10);
    const beyond = await src.getBytes(SIZE + 5, 10).catch((e) => e);
    expect(isFlatvoxError(beyond, "RangeNotSatisfiableError")).toBe(true);
    expect(beyond.context.status).toBe(416);
    expect(src.size).toBe(SIZE);
  });

  it("reports 404 as a non-transient HttpError", async () => {
    const e = await new HttpSource(`${server.url}missing.bin`).getBytes(0, 10).catch((x) => x);
    expect(isFlatvoxError(e, "HttpError")).toBe(true);
    expect(e.context.status).toBe(404);
    expect(e.context.transient).toBeUndefined();
  });

  it("aborts promptly with AbortError", async () => {
    const src = new HttpSource(url);
    const ac = new AbortController();
    const p = src.getBytes(0, SIZE, { signal: ac.signal });
    const t0 = performance.now();
    ac.abort();
    const e = await p.catch((x) => x);
    expect(isFlatvoxError(e, "AbortError")).toBe(true);
    expect(performance.now() - t0).toBeLessThan(200);
    const pre = await src.getBytes(0, 10, { signal: ac.signal }).catch((x) => x);
    expect(isFlatvoxError(pre, "AbortError")).toBe(true);
  });

  it("throws ETagChangedError when the file changes under an open source", async () => {
    const path = join(dir, "changing.bin");
    writeFileSync(path, data.subarray(0, 100_000));
    const src = new HttpSource(`${server.url}changing.bin`);
    await src.getBytes(0, 100);
    const etag = src.etag;
    changeFile(path, data.subarray(1, 100_001)); // same size: only the validator tells
    const e = await src.getBytes(0, 100).catch((x) => x);
    expect(isFlatvoxError(e, "ETagChangedError")).toBe(true);
    expect(e.context.etag).toBe(etag);
    expect(e.context.newEtag).not.toBe(etag);
    // A fresh source sees the new content.
    const fresh = await new HttpSource(`${server.url}changing.bin`).getBytes(0, 100);
    expect(Buffer.compare(fresh, data.subarray(1, 101))).toBe(0);
  });

  it("notices a size change even without an ETag difference", async () => {
    const path = join(dir, "growing.bin");
    writeFileSync(path, data.subarray(0, 5000));
    const src = new HttpSource(`${server.url}growing.bin`);
    await src.getBytes(0, 10);
    changeFile(path, data.subarray(0, 6000));
    const e = await src.getBytes(0, 10).catch((x) => x);
    expect(isFlatvoxError(e, "ETagChangedError")).toBe(true);
  });
});

describe("parseContentRange", () => {
  it("parses the forms servers send and rejects nonsense", () => {
    expect(parseContentRange("bytes 0-9/100")).toEqual({ start: 0, end: 9, total: 100 });
    expect(parseContentRange("bytes 5-5/*")).toEqual({ start: 5, end: 5, total: undefined });
    expect(parseContentRange("bytes 9-0/100")).toBeUndefined();
    expect(parseContentRange("bytes */100")).toBeUndefined();
    expect(parseContentRange(null)).toBeUndefined();
  });
});
