// `flatvox serve`: a static file server that does what .fvx readers need —
// byte ranges (one, or several as multipart/byteranges), strong ETags, CORS
// that exposes the range headers, and the cross-origin isolation headers the
// viewer wants. File serving (single ranges, conditional requests, streaming)
// is the `send` package's; multi-range answers, the path checks, headers and
// preflights are ours. Node only.
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import send from "send";

export interface RangeHandlerOptions {
  /** Send CORS headers and answer preflights (default true). */
  cors?: boolean;
  /** One line per request. */
  logger?: (line: string) => void;
}

export interface ServerOptions extends RangeHandlerOptions {
  root: string;
  port?: number;
  host?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export type Next = (err?: unknown) => void;
export type RangeHandler = (req: IncomingMessage, res: ServerResponse, next?: Next) => void;

const CONTENT_TYPES: Record<string, string> = {
  ".fvx": "application/octet-stream",
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".map": "application/json",
  ".webmanifest": "application/manifest+json",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
};

export function contentType(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream";
}

export type ParsedRange = { start: number; end: number } | "none" | "unsatisfiable";

/**
 * Interpret a Range header naming one range (`bytes=N-M`, `bytes=N-`,
 * `bytes=-N`) against a file of `size` bytes. A malformed header, or one with
 * several ranges, is "none" here (several ranges: see parseRanges).
 */
export function parseRange(header: string | undefined, size: number): ParsedRange {
  if (!header) return "none";
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === "" && m[2] === "")) return "none";
  let start: number;
  let end: number;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== "" && Number(m[2]) < start) return "none";
    if (start >= size) return "unsatisfiable";
  }
  return { start, end };
}

/** Most range specs one request may carry; beyond it the request is refused with 416 (RFC 9110 §15.5.17). */
export const MAX_RANGES = 64;

export type ParsedRanges = Array<{ start: number; end: number }> | "none" | "unsatisfiable" | "too-many";

/**
 * Interpret a Range header that may name several ranges against a file of
 * `size` bytes. Unsatisfiable specs are dropped (all unsatisfiable:
 * "unsatisfiable"); a malformed spec makes the whole header "none" (ignored);
 * more than MAX_RANGES specs is "too-many". The rest are sorted and ranges
 * that overlap or touch are merged, as RFC 9110 §14.2 allows.
 */
export function parseRanges(header: string | undefined, size: number): ParsedRanges {
  if (!header) return "none";
  const m = /^\s*bytes\s*=(.*)$/i.exec(header);
  if (!m) return "none";
  const specs = m[1].split(",");
  if (specs.length > MAX_RANGES) return "too-many";
  const out: Array<{ start: number; end: number }> = [];
  for (const spec of specs) {
    const r = parseRange(`bytes=${spec}`, size);
    if (r === "none") return "none";
    if (r !== "unsatisfiable") out.push(r);
  }
  if (out.length === 0) return "unsatisfiable";
  out.sort((a, b) => a.start - b.start);
  const merged = [out[0]];
  for (const r of out.slice(1)) {
    const last = merged[merged.length - 1];
    if (r.start <= last.end + 1) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  return merged;
}

/** Conditional headers that `send` evaluates; a multi-range request carrying one is left to it. */
const CONDITIONAL = ["if-match", "if-none-match", "if-modified-since", "if-unmodified-since"];

function etagFor(size: number, mtimeMs: number): string {
  return `"${size.toString(16)}-${Math.floor(mtimeMs * 1000).toString(16)}"`;
}

function setCommonHeaders(res: ServerResponse, cors: boolean): void {
  res.setHeader("Accept-Ranges", "bytes");
  // Lets the viewer be cross-origin isolated and still load files from here.
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  res.setHeader("Cross-Origin-Embedder-Policy", "require-corp");
  res.setHeader("Cross-Origin-Resource-Policy", "cross-origin");
  res.setHeader("Cache-Control", "no-cache");
  if (cors) {
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader(
      "Access-Control-Expose-Headers",
      "Content-Range, ETag, Content-Length, Accept-Ranges, Last-Modified",
    );
  }
}

/** Map a URL path to a file under root; undefined when it would escape root. */
async function resolveUnder(root: string, urlPath: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0")) return undefined;
  const candidate = resolve(join(root, decoded));
  if (candidate !== root && !candidate.startsWith(root + sep)) return undefined;
  try {
    // Symlinks must not lead out of root either.
    const real = await realpath(candidate);
    const realRoot = await realpath(root);
    if (real !== realRoot && !real.startsWith(realRoot + sep)) return undefined;
    return real;
  } catch {
    return candidate; // does not exist: stat reports 404
  }
}

/**
 * Request handler serving files under `root` with single byte ranges. Usable
 * with node:http directly or as Connect/Vite middleware: with `next`, requests
 * it cannot serve (missing files, other methods) are passed on.
 */
export function createRangeHandler(rootDir: string, options: RangeHandlerOptions = {}): RangeHandler {
  const root = resolve(rootDir);
  const cors = options.cors ?? true;
  const log = options.logger;

  return (req, res, next) => {
    serve(req, res, next).catch((e) => {
      log?.(`error ${req.method} ${req.url}: ${(e as Error)?.message ?? e}`);
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end("internal error");
      } else res.destroy();
    });
  };

  async function serve(req: IncomingMessage, res: ServerResponse, next?: Next): Promise<void> {
    const method = req.method ?? "GET";
    const finish = (status: number, body?: string) => {
      res.statusCode = status;
      if (body !== undefined && method !== "HEAD") {
        res.setHeader("Content-Type", "text/plain; charset=utf-8");
        res.end(body);
      } else res.end();
      log?.(`${status} ${method} ${req.url}${req.headers.range ? ` ${req.headers.range}` : ""}`);
    };

    if (method === "OPTIONS" && cors) {
      setCommonHeaders(res, cors);
      res.setHeader("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
      res.setHeader("Access-Control-Allow-Headers", req.headers["access-control-request-headers"] ?? "Range");
      res.setHeader("Access-Control-Max-Age", "86400");
      return finish(204);
    }
    if (method !== "GET" && method !== "HEAD") {
      if (next) return next();
      res.setHeader("Allow", "GET, HEAD, OPTIONS");
      return finish(405, "method not allowed\n");
    }

    const urlPath = new URL(req.url ?? "/", "http://localhost").pathname;
    let path = await resolveUnder(root, urlPath);
    if (!path) return next ? next() : finish(404, "not found\n");
    let st = await stat(path).catch(() => undefined);
    if (st?.isDirectory()) {
      if (!urlPath.endsWith("/")) {
        // Relative links in index.html resolve against the directory only with a trailing slash.
        res.setHeader("Location", `${urlPath}/`);
        return finish(301);
      }
      path = join(path, "index.html");
      st = await stat(path).catch(() => undefined);
    }
    if (!st?.isFile()) return next ? next() : finish(404, "not found\n");

    const etag = etagFor(st.size, st.mtimeMs);
    setCommonHeaders(res, cors);
    res.setHeader("Content-Type", contentType(path));
    // Strong validator of this version of the file; send compares it for If-None-Match and If-Range.
    res.setHeader("ETag", etag);
    const rangeHeader = req.headers.range;
    if (rangeHeader?.includes(",")) {
      const ranges = parseRanges(rangeHeader, st.size);
      const ifRange = req.headers["if-range"];
      const fresh = ifRange === undefined || ifRange === etag;
      if (ranges === "too-many") {
        res.setHeader("Content-Range", `bytes */${st.size}`);
        return finish(416, `more than ${MAX_RANGES} ranges\n`);
      }
      if (Array.isArray(ranges) && ranges.length > 1 && fresh && !CONDITIONAL.some((h) => h in req.headers)) {
        return serveMultipart(req, res, path, st.size, st.mtime, ranges, rangeHeader, log);
      }
      // One range left after merging, none satisfiable, or a stale If-Range: send answers (206, 416, 200).
      if (ranges === "none" || (Array.isArray(ranges) && ranges.length > 1)) delete req.headers.range;
    } else if (rangeHeader !== undefined && parseRange(rangeHeader, st.size) === "none") {
      // A malformed header (`bytes=9-3` too, which send would refuse with 416) is ignored:
      // the whole file with 200, as RFC 9110 allows.
      delete req.headers.range;
    }
    let failed = false;
    res.once("finish", () => {
      if (failed) return; // finish() logged it
      const length = res.getHeader("Content-Length") ?? 0;
      log?.(`${res.statusCode} ${method} ${req.url}${rangeHeader ? ` ${rangeHeader}` : ""} ${length}`);
    });
    // send does the rest: conditional requests (304, 412), If-Range, one byte range (206) or the
    // whole file (malformed ranges: 200), 416 with `bytes */size`, HEAD, streaming.
    send(req, path, {
      etag: false,
      lastModified: true,
      cacheControl: false,
      acceptRanges: true,
      dotfiles: "allow",
      index: false,
    })
      .on("error", (err: { status?: number; headers?: Record<string, string> }) => {
        const status = err.status ?? 500;
        failed = true;
        if (status === 404 && next) return next();
        // Answered here, not by send, so the CORS and isolation headers stay on errors too.
        for (const [k, v] of Object.entries(err.headers ?? {})) res.setHeader(k, v);
        res.removeHeader("Content-Length");
        finish(
          status,
          `${status === 416 ? "range not satisfiable" : status === 404 ? "not found" : "error"}\n`,
        );
      })
      .pipe(res);
  }
}

/**
 * Several ranges as one 206 multipart/byteranges body (RFC 9110 §14.6): each
 * part with its own Content-Type and Content-Range, an exact Content-Length,
 * parts streamed from the file one after the other with backpressure.
 */
async function serveMultipart(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  size: number,
  mtime: Date,
  ranges: Array<{ start: number; end: number }>,
  rangeHeader: string,
  log?: (line: string) => void,
): Promise<void> {
  const boundary = `fvx${randomBytes(12).toString("hex")}`;
  const type = contentType(path);
  const heads = ranges.map((r) =>
    Buffer.from(
      `\r\n--${boundary}\r\nContent-Type: ${type}\r\nContent-Range: bytes ${r.start}-${r.end}/${size}\r\n\r\n`,
    ),
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const length =
    heads.reduce((s, h) => s + h.length, 0) +
    ranges.reduce((s, r) => s + r.end - r.start + 1, 0) +
    tail.length;
  res.statusCode = 206;
  res.setHeader("Content-Type", `multipart/byteranges; boundary=${boundary}`);
  res.setHeader("Content-Length", length);
  res.setHeader("Last-Modified", mtime.toUTCString());
  res.once("finish", () => log?.(`206 ${req.method} ${req.url} ${rangeHeader} ${length}`));
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  await pipeline(async function* () {
    for (let i = 0; i < ranges.length; i++) {
      yield heads[i];
      yield* createReadStream(path, { start: ranges[i].start, end: ranges[i].end });
    }
    yield tail;
  }, res);
}

/** Start a static range server. Port 0 picks a free port. */
export function startServer(options: ServerOptions): Promise<RunningServer> {
  const { root, port = 0, host = "127.0.0.1" } = options;
  const server = createServer(createRangeHandler(root, options));
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const actual = (server.address() as AddressInfo).port;
      const shownHost = host.includes(":") ? `[${host}]` : host;
      resolvePromise({
        url: `http://${shownHost}:${actual}/`,
        port: actual,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** Add `serve [dir]` to the CLI. */
export function register(program: Command): void {
  program
    .command("serve")
    .description("serve a directory over HTTP with byte ranges, CORS, ETag and COOP/COEP headers")
    .argument("[dir]", "directory to serve", ".")
    .option("-p, --port <port>", "port (0 picks a free one)", "8080")
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--no-cors", "do not send CORS headers")
    .option("-q, --quiet", "do not log requests")
    .action(async (dir: string, opts: { port: string; host: string; cors: boolean; quiet?: boolean }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port: ${opts.port}`);
      const server = await startServer({
        root: dir,
        port,
        host: opts.host,
        cors: opts.cors,
        logger: opts.quiet ? undefined : (line) => console.log(line),
      });
      console.log(`serving ${resolve(dir)} at ${server.url}`);
      const stop = () => {
        server.close().then(() => process.exit(0));
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
}
