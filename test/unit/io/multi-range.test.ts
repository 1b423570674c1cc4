/**
 * Several byte ranges in one HTTP request: `flatvox serve`, nginx (206
 * multipart/byteranges), a store that ignores multi-range requests (s3rver:
 * 200 with the whole object), and crafted answers (one range only, parts out
 * of order, merged parts, malformed bodies), all on loopback.
 */
import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import S3rver from "@20minutes/s3rver";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CacheManager } from "../../../src/cache/cache-manager";
import { withCache } from "../../../src/cache/cached-source";
import { MemoryCacheStore } from "../../../src/cache/memory-store";
import { parseRanges } from "../../../src/cli/serve";
import { createSource } from "../../../src/io/create-source";
import { type FetchLike, HttpSource, resetMultiRangeMemory } from "../../../src/io/http-source";
import { ByterangesParser } from "../../../src/io/multipart";
import { isFlatvoxError } from "../../../src/shared/errors";
import { makeTempDir, seededBytes, startFlatvox, startNginx, type TestServer } from "../../helpers/servers";

const SIZE = 2 * 1024 * 1024 + 333;
const data = seededBytes(SIZE, 5);
const dir = makeTempDir("fvx-multi-");
writeFileSync(join(dir, "data.bin"), data);

const KiB = 1024;
const same = (a: Uint8Array | undefined, offset: number, length: number) =>
  a !== undefined && a.length === length && Buffer.compare(a, data.subarray(offset, offset + length)) === 0;

/** `n` reads of `len` bytes, `stride` apart (well beyond the 64 KiB merge gap). */
const scattered = (n: number, len = 20 * KiB, stride = 200 * KiB): Array<[number, number]> =>
  Array.from({ length: n }, (_, i) => [1000 + i * stride, len]);

const specsOf = (range?: string) => (range ? range.slice(6).split(",") : []);

beforeEach(() => resetMultiRangeMemory());

describe.each([
  ["flatvox serve", startFlatvox],
  ["nginx", startNginx],
] as const)("multi-range reads against %s", (_name, start) => {
  let server: TestServer;
  let url: string;
  beforeAll(async () => {
    server = await start(dir);
    url = `${server.url}data.bin`;
  });
  afterAll(() => server.stop());
  beforeEach(() => server.clearLog());

  it("sends the scattered reads of one batch as one request, with the bytes single ranges give", async () => {
    const reads = scattered(8);
    const src = createSource(url);
    expect(src.multiRange).toBe(true);
    const got = await Promise.all(reads.map(([o, l]) => src.getBytes(o, l, { purpose: "brick" })));
    got.forEach((g, i) => {
      expect(same(g, ...reads[i])).toBe(true);
    });
    const log = await server.log();
    expect(log).toHaveLength(1);
    expect(log[0].status).toBe(206);
    expect(specsOf(log[0].range)).toEqual(reads.map(([o, l]) => `${o}-${o + l - 1}`));
    const st = src.stats();
    expect(st.requests).toBe(1);
    expect(st.byPurpose.brick?.requests).toBe(1);
    // The body: the asked bytes plus each part's header lines.
    expect(st.bytes).toBeGreaterThanOrEqual(8 * 20 * KiB);
    expect(st.bytes).toBeLessThan(8 * 20 * KiB + 9 * 200);

    await server.clearLog();
    const single = createSource(url, { multiRange: "never" });
    const again = await Promise.all(reads.map(([o, l]) => single.getBytes(o, l)));
    again.forEach((g, i) => {
      expect(Buffer.compare(g, got[i])).toBe(0);
    });
    expect(single.stats().requests).toBe(8);
    expect(await server.log()).toHaveLength(8);
  });

  it("bounds the ranges and the bytes of one request", async () => {
    const many = scattered(40, 1000, 50 * KiB);
    const src = createSource(url, { coalesce: { gap: 0, multiRange: { maxRanges: 16 } } });
    const got = await Promise.all(many.map(([o, l]) => src.getBytes(o, l)));
    got.forEach((g, i) => {
      expect(same(g, ...many[i])).toBe(true);
    });
    let log = await server.log();
    expect(log.map((r) => specsOf(r.range).length).sort((a, b) => a - b)).toEqual([8, 16, 16]);

    await server.clearLog();
    const big = scattered(8, 100 * KiB);
    const capped = createSource(url, { coalesce: { multiRange: { maxBytes: 300 * KiB } } });
    const got2 = await Promise.all(big.map(([o, l]) => capped.getBytes(o, l)));
    got2.forEach((g, i) => {
      expect(same(g, ...big[i])).toBe(true);
    });
    log = await server.log();
    expect(log.map((r) => specsOf(r.range).length)).toEqual([3, 3, 2]);
    expect(capped.stats().requests).toBe(3);
  });

  it("getRanges returns every asked range for random range sets (property)", async () => {
    const src = new HttpSource(url);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 0, max: SIZE - 1 }), { minLength: 2, maxLength: 40 }),
        fc.integer({ min: 1, max: 5000 }),
        async (starts, maxLen) => {
          // Sorted, disjoint ranges from random cut points.
          const cuts = [...starts].sort((a, b) => a - b);
          const ranges = cuts.map((a, i) => {
            const room = (i + 1 < cuts.length ? cuts[i + 1] : SIZE) - a;
            return { offset: a, length: Math.max(1, Math.min(room - (i + 1 < cuts.length ? 1 : 0), maxLen)) };
          });
          const fit = ranges.filter((r) => r.length > 0 && r.offset + r.length <= SIZE);
          const got = await src.getRanges(fit);
          // Adjacent ranges may be merged by the server; every range is still covered exactly.
          got.forEach((g, i) => {
            expect(same(g, fit[i].offset, fit[i].length)).toBe(true);
          });
        },
      ),
      { numRuns: 25 },
    );
  });

  it("retries a failed multi-range request as a whole", async () => {
    if (_name !== "flatvox serve") return; // faults are injected by the flatvox test server only
    server.faults.failNext = 1;
    const reads = scattered(5);
    const src = createSource(url, { retry: { baseMs: 1 } });
    const got = await Promise.all(reads.map(([o, l]) => src.getBytes(o, l)));
    got.forEach((g, i) => {
      expect(same(g, ...reads[i])).toBe(true);
    });
    const log = await server.log();
    expect(log.map((r) => r.status)).toEqual([503, 206]);
    expect(log[0].range).toBe(log[1].range);
    expect(src.stats().requests).toBe(2);
    expect(src.stats().errors).toBe(1);
  });
});

/** Counts the body bytes a response hands to its reader (what the client really read). */
function countingFetch(counter: { bodyBytes: number; requests: number }): FetchLike {
  return async (input, init) => {
    counter.requests++;
    const res = await fetch(input, init);
    if (!res.body) return res;
    const reader = res.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(ctl) {
        const { done, value } = await reader.read();
        if (done) ctl.close();
        else {
          counter.bodyBytes += value.length;
          ctl.enqueue(value);
        }
      },
      cancel: (why) => reader.cancel(why),
    });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

describe("a store that ignores multi-range requests (s3rver: 200 with the whole object)", () => {
  const BUCKET = "mr";
  let s3: S3rver;
  let url = "";
  // An object large enough that reading it whole would show.
  const BIG = 24 * 1024 * 1024;
  const big = seededBytes(BIG, 9);

  beforeAll(async () => {
    s3 = new S3rver({
      address: "127.0.0.1",
      port: process.env.FLATVOX_TEST_PORT ? Number(process.env.FLATVOX_TEST_PORT) + 2 : 0,
      silent: true,
      directory: makeTempDir("fvx-s3rver-"),
      configureBuckets: [{ name: BUCKET }],
    });
    const info = await s3.run();
    url = `http://127.0.0.1:${info.port}/${BUCKET}/big.bin`;
    // s3rver lets anonymous requests through (no auth check by default).
    const put = await fetch(url, { method: "PUT", body: Buffer.from(big) });
    expect(put.status).toBe(200);
  });
  afterAll(() => s3?.close());

  it("drops the whole-object answer at once, falls back to one request per run, and remembers", async () => {
    const counter = { bodyBytes: 0, requests: 0 };
    const reads: Array<[number, number]> = Array.from({ length: 6 }, (_, i) => [
      i * 3 * 1024 * 1024 + 17,
      50_000,
    ]);
    const src = createSource(url, { fetch: countingFetch(counter) });
    expect(src.multiRange).toBe(true);
    const got = await Promise.all(reads.map(([o, l]) => src.getBytes(o, l)));
    got.forEach((g, i) => {
      const [o, l] = reads[i];
      expect(Buffer.compare(g, big.subarray(o, o + l))).toBe(0);
    });
    // 1 refused multi-range request (counted, its body never read) + 6 single ranges.
    expect(counter.requests).toBe(7);
    expect(src.stats().requests).toBe(7);
    expect(counter.bodyBytes).toBeLessThanOrEqual(6 * 50_000 + 64 * 1024);
    expect(src.stats().bytes).toBe(6 * 50_000);

    // The refusal is remembered for the URL: a new source sends single ranges from the start.
    const counter2 = { bodyBytes: 0, requests: 0 };
    const again = createSource(url, { fetch: countingFetch(counter2) });
    await Promise.all(reads.map(([o, l]) => again.getBytes(o, l)));
    expect(counter2.requests).toBe(6);
    expect(again.multiRange).toBe(false);
  });
});

type Mode =
  | "ok"
  | "reverse"
  | "first-only"
  | "merged"
  | "whole"
  | "bad-boundary"
  | "long-part"
  | "short-part"
  | "outside"
  | "no-close"
  | "no-content-range"
  | "no-boundary-param"
  | "cut";

/** Answers multi-range requests from `data` the way `mode` says (single ranges: a plain 206). */
function craftedServer(state: { mode: Mode; requests: string[] }): Promise<{ url: string; server: Server }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const header = req.headers.range ?? "";
    state.requests.push(header);
    const ranges = parseRanges(header, SIZE);
    if (!Array.isArray(ranges)) {
      res.writeHead(200, { "Content-Length": SIZE });
      res.end(data);
      return;
    }
    if (ranges.length === 1 || state.mode === "first-only") {
      const { start, end } = ranges[0];
      res.writeHead(206, {
        "Content-Range": `bytes ${start}-${end}/${SIZE}`,
        "Content-Length": end - start + 1,
      });
      res.end(data.subarray(start, end + 1));
      return;
    }
    if (state.mode === "whole") {
      res.writeHead(200, { "Content-Length": SIZE });
      res.end(data);
      return;
    }
    const b = "BOUND";
    let parts = ranges.map((r) => ({ ...r }));
    if (state.mode === "reverse") parts.reverse();
    if (state.mode === "merged") parts = [{ start: parts[0].start, end: parts[1].end }, ...parts.slice(2)];
    const chunks: Buffer[] = [];
    parts.forEach((p, i) => {
      let { start, end } = p;
      if (state.mode === "outside" && i === 1) {
        start += 5_000_000;
        end += 5_000_000;
      }
      const declaredEnd = state.mode === "long-part" && i === 0 ? end + 10 : end;
      const sent = state.mode === "short-part" && i === 0 ? end - 10 : end;
      const boundary = state.mode === "bad-boundary" && i === 1 ? "BOUNX" : b;
      const cr =
        state.mode === "no-content-range" ? "" : `Content-Range: bytes ${start}-${declaredEnd}/${SIZE}\r\n`;
      chunks.push(Buffer.from(`\r\n--${boundary}\r\nContent-Type: application/octet-stream\r\n${cr}\r\n`));
      chunks.push(Buffer.from(data.subarray(p.start, sent + 1)));
    });
    if (state.mode !== "no-close") chunks.push(Buffer.from(`\r\n--${b}--\r\n`));
    const body = Buffer.concat(chunks);
    if (state.mode === "cut") {
      res.writeHead(206, {
        "Content-Type": `multipart/byteranges; boundary=${b}`,
        "Content-Length": body.length,
      });
      res.write(body.subarray(0, body.length >> 1), () => setTimeout(() => res.socket?.destroy(), 10));
      return;
    }
    res.writeHead(206, {
      "Content-Type":
        state.mode === "no-boundary-param" ? "multipart/byteranges" : `multipart/byteranges; boundary=${b}`,
      "Content-Length": body.length,
    });
    res.end(body);
  });
  return new Promise((ok) =>
    server.listen(0, "127.0.0.1", () =>
      ok({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/data.bin`, server }),
    ),
  );
}

describe("answers to multi-range requests, crafted", () => {
  const state: { mode: Mode; requests: string[] } = { mode: "ok", requests: [] };
  let url = "";
  let server: Server;
  beforeAll(async () => {
    ({ url, server } = await craftedServer(state));
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));
  afterEach(() => {
    state.requests = [];
  });

  // 1 KiB apart: the client merges nothing (gap 0), a server may merge them (RFC 9110 §14.6).
  const reads = scattered(4, 20 * KiB, 21 * KiB);
  const client = (extra: Parameters<typeof createSource>[1] = {}) =>
    createSource(url, { coalesce: { gap: 0 }, ...extra });
  const readAll = (src: { getBytes(o: number, l: number): Promise<Uint8Array> }) =>
    Promise.all(reads.map(([o, l]) => src.getBytes(o, l)));

  it.each([
    ["ok", 1],
    ["reverse", 1],
    ["merged", 1],
    ["first-only", 4], // the first range from the answer, the other three on their own
    ["whole", 5], // refused: dropped, then one request per range
  ] as const)("uses a %s answer, with the expected request count", async (mode, requests) => {
    state.mode = mode;
    const src = client();
    const got = await readAll(src);
    got.forEach((g, i) => {
      expect(same(g, ...reads[i])).toBe(true);
    });
    expect(state.requests).toHaveLength(requests);
    expect(src.stats().requests).toBe(requests);
  });

  it.each([
    "bad-boundary",
    "long-part",
    "short-part",
    "outside",
    "no-close",
    "no-content-range",
    "no-boundary-param",
  ] as const)(
    "a %s body is a typed error, nothing wrong is cached, later reads use single ranges",
    async (mode) => {
      state.mode = mode;
      const store = new MemoryCacheStore();
      const manager = new CacheManager(store);
      const src = withCache(client(), manager, { memoryBudgetBytes: 0 });
      const results = await Promise.allSettled(reads.map(([o, l]) => src.getBytes(o, l)));
      // Parts handed over before the fault had their framing checked (length, next delimiter): right
      // bytes, in body order. From the faulty part on, every read fails with a typed error.
      let delivered = 0;
      results.forEach((r, i) => {
        if (r.status === "fulfilled") {
          expect(same(r.value, ...reads[i])).toBe(true);
          expect(i).toBe(delivered);
          delivered++;
          return;
        }
        const e = r.reason;
        expect(isFlatvoxError(e, "HttpError"), String(e)).toBe(true);
        expect(e.message).toMatch(/multipart/);
        expect(e.context.url).toBe(url);
        expect(typeof e.context.bodyOffset).toBe("number");
      });
      expect(delivered).toBeLessThan(reads.length);
      // A fault in or before the first part's framing delivers nothing at all.
      if (mode !== "outside" && mode !== "no-close") expect(delivered).toBe(0);
      await manager.flush();
      expect(await store.usage()).toBe(delivered * reads[0][1]);
      expect(state.requests).toHaveLength(1); // not retried: the body is wrong, not the network
      // This URL's multi-range answers are not used again: single ranges read the right bytes.
      state.requests = [];
      const got = await readAll(client());
      got.forEach((g, i) => {
        expect(same(g, ...reads[i])).toBe(true);
      });
      expect(state.requests.every((h) => !h.includes(","))).toBe(true);
    },
  );

  it("a body cut short is transient: retried, then read", async () => {
    state.mode = "cut";
    let tries = 0;
    const src = client({
      retry: {
        baseMs: 1,
        onRetry: () => {
          tries++;
          if (tries === 2) state.mode = "ok";
        },
      },
    });
    const got = await readAll(src);
    got.forEach((g, i) => {
      expect(same(g, ...reads[i])).toBe(true);
    });
    expect(tries).toBe(2);
    expect(state.requests).toHaveLength(3);
  });
});

describe("ByterangesParser", () => {
  const asked = [
    { offset: 100, length: 50 },
    { offset: 1000, length: 7 },
    { offset: 5000, length: 300 },
  ];
  const body = (parts: Array<[number, number]>, boundary = "b0undary") =>
    Buffer.concat([
      ...parts.flatMap(([a, b]) => [
        Buffer.from(`\r\n--${boundary}\r\nContent-type: x\r\ncontent-range: bytes ${a}-${b}/${SIZE}\r\n\r\n`),
        Buffer.from(data.subarray(a, b + 1)),
      ]),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);

  it("gives the same result whatever the chunking", () => {
    const whole = body([
      [5000, 5299],
      [100, 149],
      [1000, 1006],
    ]);
    for (const step of [1, 2, 3, 7, 64, whole.length]) {
      const p = new ByterangesParser("b0undary", asked, {});
      for (let i = 0; i < whole.length; i += step) p.push(whole.subarray(i, i + step));
      p.finish();
      expect(p.consumed).toBe(whole.length);
      p.results().forEach((r, i) => {
        expect(same(r, asked[i].offset, asked[i].length)).toBe(true);
      });
    }
  });

  it("hands each range over once its part's closing delimiter is checked, the request's end first", () => {
    const whole = body([
      [5000, 5299],
      [100, 149],
      [1000, 1006],
    ]);
    const events: string[] = [];
    const p = new ByterangesParser(
      "b0undary",
      asked,
      {},
      {
        onRange: (i, bytes) => {
          expect(same(bytes, asked[i].offset, asked[i].length)).toBe(true);
          events.push(`range ${i} at ${p.consumed}`);
        },
        onDone: () => events.push(`done at ${p.consumed}`),
      },
    );
    for (let i = 0; i < whole.length; i++) p.push(whole.subarray(i, i + 1));
    p.finish();
    // Each part is handed over when the line after its delimiter shows what follows (2 bytes on).
    const nextLine = (needle: string, from = 0) => whole.indexOf(needle, from) + needle.length + 2;
    const d1 = nextLine("\r\n--b0undary", whole.indexOf("bytes 5000"));
    const d2 = nextLine("\r\n--b0undary", whole.indexOf("bytes 100-"));
    const close = whole.lastIndexOf("--b0undary--") + "--b0undary--".length;
    expect(events).toEqual([
      `range 2 at ${d1}`,
      `range 0 at ${d2}`,
      `done at ${close}`,
      `range 1 at ${close}`,
    ]);
  });

  it("leaves ranges the parts do not cover undefined, and covers ranges split over parts", () => {
    const p = new ByterangesParser("b0undary", asked, {});
    p.push(
      body([
        [100, 120],
        [121, 149],
        [5000, 5100],
      ]),
    );
    p.finish();
    const [a, b, c] = p.results();
    expect(same(a, 100, 50)).toBe(true);
    expect(b).toBeUndefined();
    expect(c).toBeUndefined();
  });

  it("rejects parts beyond what was asked, and bodies longer than the asked bytes allow", () => {
    const p = new ByterangesParser("b0undary", asked, { url: "u" });
    expect(() => p.push(body([[0, 99]]))).toThrow(/not asked for/);
    const q = new ByterangesParser(
      "b0undary",
      [
        { offset: 0, length: 10 },
        { offset: 1_000_000, length: 10 },
      ],
      {},
    );
    let err: unknown;
    try {
      q.push(body([[0, 1_000_009]]));
    } catch (e) {
      err = e;
    }
    expect(isFlatvoxError(err, "HttpError")).toBe(true);
    expect(String(err)).toMatch(/more bytes than were asked/);
    const tiny = new ByterangesParser("b0undary", [{ offset: 0, length: 100 }], {});
    const parts = Array.from({ length: 30 }, (_, i) => [i, i] as [number, number]);
    expect(() => tiny.push(body(parts))).toThrow(/more than 20 parts/);
  });
});

describe("multi-range requests and CORS preflights", () => {
  const g = globalThis as { location?: unknown };
  const page = { origin: "http://127.0.0.1:5173", href: "http://127.0.0.1:5173/app/" };

  it("in a browser: only for the page's own origin, unless asked for", () => {
    const saved = g.location;
    g.location = page;
    try {
      expect(new HttpSource("http://127.0.0.1:5173/data/a.fvx").multiRange).toBe(true);
      expect(new HttpSource("data/a.fvx").multiRange).toBe(true); // relative: resolved against the page
      expect(new HttpSource("http://127.0.0.1:9000/a.fvx").multiRange).toBe(false);
      expect(new HttpSource("http://127.0.0.1:9000/a.fvx", { multiRange: "always" }).multiRange).toBe(true);
      expect(new HttpSource("http://127.0.0.1:5173/a.fvx", { multiRange: "never" }).multiRange).toBe(false);
    } finally {
      g.location = saved;
    }
    // Node: no CORS, so always.
    expect(new HttpSource("http://127.0.0.1:9000/a.fvx").multiRange).toBe(true);
  });

  it("a cross-origin source sends only CORS-safelisted single ranges", async () => {
    const server = await startFlatvox(dir);
    const saved = g.location;
    g.location = page;
    try {
      const reads = scattered(4);
      const src = createSource(`${server.url}data.bin`);
      const got = await Promise.all(reads.map(([o, l]) => src.getBytes(o, l)));
      got.forEach((x, i) => {
        expect(same(x, ...reads[i])).toBe(true);
      });
      const log = await server.log();
      expect(log).toHaveLength(4);
      for (const r of log) expect(r.range).toMatch(/^bytes=\d+-\d+$/);
    } finally {
      g.location = saved;
      await server.stop();
    }
  });
});
