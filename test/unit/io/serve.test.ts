import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MAX_RANGES,
  parseRange,
  parseRanges,
  type RunningServer,
  register,
  startServer,
} from "../../../src/cli/serve";
import { makeTempDir, seededBytes } from "../../helpers/servers";

const data = seededBytes(100_000, 2);
const outside = makeTempDir("fvx-outside-");
writeFileSync(join(outside, "secret.txt"), "secret");
const root = makeTempDir("fvx-root-");
writeFileSync(join(root, "a.fvx"), data);
writeFileSync(join(root, "empty.bin"), new Uint8Array(0));
writeFileSync(join(root, "index.html"), "<!doctype html><title>x</title>");
writeFileSync(join(root, "m.wasm"), new Uint8Array([0, 97, 115, 109]));
mkdirSync(join(root, "sub"));
writeFileSync(join(root, "sub", "index.html"), "sub");
symlinkSync(join(outside, "secret.txt"), join(root, "link.txt"));
afterAll(() => {
  rmSync(outside, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

/** Raw request (fetch would normalise the path and hide traversal attempts). */
function raw(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((ok, fail) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => ok({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", fail);
    req.end();
  });
}

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ root });
});
afterAll(() => server.close());

describe("startServer", () => {
  it("listens on a free loopback port", () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(server.port).toBeGreaterThan(0);
  });

  it("serves single ranges with Content-Range, ETag and the isolation and CORS headers", async () => {
    const r = await raw(server.port, "/a.fvx", { Range: "bytes=10-19" });
    expect(r.status).toBe(206);
    expect(Buffer.compare(r.body, data.subarray(10, 20))).toBe(0);
    expect(r.headers["content-range"]).toBe("bytes 10-19/100000");
    expect(r.headers["content-length"]).toBe("10");
    expect(r.headers["accept-ranges"]).toBe("bytes");
    expect(r.headers.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(r.headers["last-modified"]).toBeDefined();
    expect(r.headers["content-type"]).toBe("application/octet-stream");
    expect(r.headers["access-control-allow-origin"]).toBe("*");
    expect(String(r.headers["access-control-expose-headers"])).toMatch(/Content-Range.*ETag/);
    expect(r.headers["cross-origin-resource-policy"]).toBe("cross-origin");
    expect(r.headers["cross-origin-embedder-policy"]).toBe("require-corp");
    expect(r.headers["cross-origin-opener-policy"]).toBe("same-origin");
  });

  it("serves open-ended and suffix ranges", async () => {
    const open = await raw(server.port, "/a.fvx", { Range: "bytes=99990-" });
    expect(open.status).toBe(206);
    expect(open.body.length).toBe(10);
    const suffix = await raw(server.port, "/a.fvx", { Range: "bytes=-5" });
    expect(suffix.headers["content-range"]).toBe("bytes 99995-99999/100000");
    const clipped = await raw(server.port, "/a.fvx", { Range: "bytes=99000-200000" });
    expect(clipped.headers["content-range"]).toBe("bytes 99000-99999/100000");
  });

  it("answers 416 with `bytes */size` for unsatisfiable ranges", async () => {
    const r = await raw(server.port, "/a.fvx", { Range: "bytes=100000-100010" });
    expect(r.status).toBe(416);
    expect(r.headers["content-range"]).toBe("bytes */100000");
    const empty = await raw(server.port, "/empty.bin", { Range: "bytes=0-10" });
    expect(empty.status).toBe(416);
  });

  it("answers malformed ranges with the whole file (200)", async () => {
    for (const range of ["bytes=9-3", "items=0-5", "bytes=0-1,9-3", "bytes=0-1,x"]) {
      const r = await raw(server.port, "/a.fvx", { Range: range });
      expect(r.status, range).toBe(200);
      expect(r.body.length).toBe(100_000);
    }
  });

  it("answers several ranges with 206 multipart/byteranges, parts in order with their own headers", async () => {
    const r = await raw(server.port, "/a.fvx", { Range: "bytes=50000-50009, 0-3,99990-" });
    expect(r.status).toBe(206);
    const m = /^multipart\/byteranges; boundary=(\S+)$/.exec(String(r.headers["content-type"]));
    expect(m).not.toBeNull();
    const boundary = m![1];
    expect(Number(r.headers["content-length"])).toBe(r.body.length);
    const expected = [
      [0, 3],
      [50000, 50009],
      [99990, 99999],
    ];
    const heads = expected.map(
      ([a, b]) =>
        `\r\n--${boundary}\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes ${a}-${b}/100000\r\n\r\n`,
    );
    const want = Buffer.concat([
      ...expected.flatMap(([a, b], i) => [Buffer.from(heads[i]), Buffer.from(data.subarray(a, b + 1))]),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    expect(Buffer.compare(r.body, want)).toBe(0);
    const head = await raw(server.port, "/a.fvx", { Range: "bytes=0-3,10-12" }, "HEAD");
    expect(head.status).toBe(206);
    expect(head.body.length).toBe(0);
  });

  it("merges overlapping and adjacent ranges (one left: a plain 206), refuses too many with 416", async () => {
    const one = await raw(server.port, "/a.fvx", { Range: "bytes=0-9,10-19,5-12" });
    expect(one.status).toBe(206);
    expect(one.headers["content-range"]).toBe("bytes 0-19/100000");
    expect(Buffer.compare(one.body, Buffer.from(data.subarray(0, 20)))).toBe(0);
    const merged = await raw(server.port, "/a.fvx", { Range: "bytes=0-9,5-19,100-101" });
    expect(String(merged.body)).toContain("Content-Range: bytes 0-19/100000");
    expect(String(merged.body)).toContain("Content-Range: bytes 100-101/100000");
    const some = await raw(server.port, "/a.fvx", { Range: "bytes=0-1,200000-200001" });
    expect(some.status).toBe(206);
    expect(some.headers["content-range"]).toBe("bytes 0-1/100000");
    const none = await raw(server.port, "/a.fvx", { Range: "bytes=100000-100001,200000-200001" });
    expect(none.status).toBe(416);
    const specs = Array.from({ length: MAX_RANGES + 1 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(",");
    const many = await raw(server.port, "/a.fvx", { Range: `bytes=${specs}` });
    expect(many.status).toBe(416);
    expect(many.headers["content-range"]).toBe("bytes */100000");
    const atCap = await raw(server.port, "/a.fvx", {
      Range: `bytes=${specs.slice(0, specs.lastIndexOf(","))}`,
    });
    expect(atCap.status).toBe(206);
  });

  it("answers several ranges with a stale If-Range with the whole file", async () => {
    const r = await raw(server.port, "/a.fvx", { Range: "bytes=0-1,5-6", "If-Range": '"stale"' });
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(100_000);
  });

  it("handles HEAD, conditional requests and If-Range", async () => {
    const head = await raw(server.port, "/a.fvx", {}, "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe("100000");
    expect(head.body.length).toBe(0);
    const etag = String(head.headers.etag);
    expect((await raw(server.port, "/a.fvx", { "If-None-Match": etag })).status).toBe(304);
    const stale = await raw(server.port, "/a.fvx", { Range: "bytes=0-9", "If-Range": '"old"' });
    expect(stale.status).toBe(200);
    const fresh = await raw(server.port, "/a.fvx", { Range: "bytes=0-9", "If-Range": etag });
    expect(fresh.status).toBe(206);
  });

  it("answers CORS preflights and refuses other methods", async () => {
    const pre = await raw(
      server.port,
      "/a.fvx",
      {
        Origin: "http://elsewhere",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "range",
      },
      "OPTIONS",
    );
    expect(pre.status).toBe(204);
    expect(pre.headers["access-control-allow-origin"]).toBe("*");
    expect(pre.headers["access-control-allow-headers"]).toBe("range");
    expect((await raw(server.port, "/a.fvx", {}, "POST")).status).toBe(405);
  });

  it("never serves files outside root", async () => {
    for (const p of [
      "/../secret.txt",
      "/%2e%2e/secret.txt",
      "/sub/..%2f..%2fsecret.txt",
      "/link.txt",
      "/%00",
    ]) {
      const r = await raw(server.port, p);
      expect(r.status, p).toBe(404);
      expect(r.body.toString()).not.toContain("secret");
    }
  });

  it("serves index.html for directories and sets content types", async () => {
    const idx = await raw(server.port, "/");
    expect(idx.status).toBe(200);
    expect(idx.headers["content-type"]).toBe("text/html; charset=utf-8");
    const redirect = await raw(server.port, "/sub");
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe("/sub/");
    expect((await raw(server.port, "/sub/")).body.toString()).toBe("sub");
    expect((await raw(server.port, "/m.wasm")).headers["content-type"]).toBe("application/wasm");
    expect((await raw(server.port, "/missing")).status).toBe(404);
  });
});

describe("parseRange", () => {
  it("covers the single-range forms", () => {
    expect(parseRange("bytes=0-0", 10)).toEqual({ start: 0, end: 0 });
    expect(parseRange("bytes=5-", 10)).toEqual({ start: 5, end: 9 });
    expect(parseRange("bytes=-20", 10)).toEqual({ start: 0, end: 9 });
    expect(parseRange("bytes=-0", 10)).toBe("unsatisfiable");
    expect(parseRange("bytes=10-", 10)).toBe("unsatisfiable");
    expect(parseRange("bytes=0-1,3-4", 10)).toBe("none");
    expect(parseRange(undefined, 10)).toBe("none");
  });

  it("parseRanges keeps satisfiable specs, sorted and merged", () => {
    expect(parseRanges("bytes=8-9,0-1,1-3", 10)).toEqual([
      { start: 0, end: 3 },
      { start: 8, end: 9 },
    ]);
    expect(parseRanges("bytes=0-1,20-30", 10)).toEqual([{ start: 0, end: 1 }]);
    expect(parseRanges("bytes=20-30,40-", 10)).toBe("unsatisfiable");
    expect(parseRanges("bytes=0-1,oops", 10)).toBe("none");
  });
});

describe("register", () => {
  it("adds `serve [dir]` with --port and --host", () => {
    const program = new Command();
    register(program);
    const cmd = program.commands.find((c) => c.name() === "serve")!;
    expect(cmd).toBeDefined();
    const flags = cmd.options.map((o) => o.long);
    expect(flags).toEqual(expect.arrayContaining(["--port", "--host", "--no-cors"]));
  });
});
