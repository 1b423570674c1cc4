// HTTP servers for transport tests, all on loopback and free ports:
//  - startFlatvox: the `flatvox serve` range handler behind a recording
//    wrapper that can also inject faults (ignore Range, 5xx, resets, stalls);
//  - startNginx: a real nginx serving the same directory, as a second opinion.
// Both record every request server-side so tests can count what went over the wire.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createRangeHandler, parseRange } from "../../src/cli/serve";

export interface RequestRecord {
  method: string;
  /** Path and query as requested. */
  url: string;
  /** The Range header, if any. */
  range?: string;
  /** Every request header, names lowercased (flatvox server only; nginx logs a few). */
  headers: Record<string, string>;
  status?: number;
}

export interface Faults {
  /** Answer range requests with 200 and the whole file, as some servers do. */
  ignoreRange?: boolean;
  /** Answer the next N requests with `failStatus` (default 503). */
  failNext?: number;
  failStatus?: number;
  /** Send a Retry-After (seconds) with injected failures. */
  retryAfter?: number;
  /** Destroy the connection of the next N requests before any response. */
  resetNext?: number;
  /** Send headers and half the body of the next N requests, then destroy the connection. */
  resetMidBodyNext?: number;
  /** Never answer the next N requests (until the client gives up). */
  stallNext?: number;
  /** Delay every response by this many ms (makes concurrency observable). */
  delayMs?: number;
}

export interface TestServer {
  /** Base URL ending in "/". */
  url: string;
  /** Requests seen so far (waits for nginx's log to catch up). */
  log(): Promise<RequestRecord[]>;
  clearLog(): Promise<void>;
  /** Largest number of requests in progress at once (flatvox only). */
  maxInFlight(): number | undefined;
  /** Mutable fault plan (flatvox only; ignored by nginx). */
  faults: Faults;
  stop(): Promise<void>;
}

/** Deterministic pseudo-random bytes (mulberry32), for test files. */
export function seededBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let a = seed >>> 0;
  for (let i = 0; i < n; i += 4) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const v = (t ^ (t >>> 14)) >>> 0;
    for (let k = 0; k < 4 && i + k < n; k++) out[i + k] = (v >>> (8 * k)) & 255;
  }
  return out;
}

/** Rewrite a file and move its mtime forward, so both servers' ETags change (nginx's has 1 s resolution). */
export function changeFile(path: string, bytes: Uint8Array): void {
  const before = statSync(path).mtimeMs;
  writeFileSync(path, bytes);
  const t = new Date(before + 5000);
  utimesSync(path, t, t);
}

/** A fresh temporary directory (the caller removes it, e.g. in afterAll). */
export function makeTempDir(prefix = "fvx-http-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function takeFault(
  faults: Faults,
  key: "failNext" | "resetNext" | "resetMidBodyNext" | "stallNext",
): boolean {
  const n = faults[key] ?? 0;
  if (n <= 0) return false;
  faults[key] = n - 1;
  return true;
}

function listen(server: Server): Promise<number> {
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok((server.address() as AddressInfo).port));
  });
}

/** The flatvox range handler on a free loopback port, recording requests and injecting faults. */
export async function startFlatvox(root: string, opts: { faults?: Faults } = {}): Promise<TestServer> {
  const absRoot = resolve(root);
  const handler = createRangeHandler(absRoot);
  const records: RequestRecord[] = [];
  const faults: Faults = opts.faults ?? {};
  const sockets = new Set<Socket>();
  let inFlight = 0;
  let peak = 0;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const headers: Record<string, string> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      headers[req.rawHeaders[i].toLowerCase()] = req.rawHeaders[i + 1];
    const rec: RequestRecord = {
      method: req.method ?? "",
      url: req.url ?? "",
      range: req.headers.range,
      headers,
    };
    records.push(rec);
    inFlight++;
    peak = Math.max(peak, inFlight);
    res.on("close", () => {
      inFlight--;
      rec.status = res.statusCode;
    });

    if (takeFault(faults, "stallNext")) return; // never answered
    if (takeFault(faults, "resetNext")) {
      req.socket.destroy();
      return;
    }
    const go = () => {
      if (takeFault(faults, "failNext")) {
        res.statusCode = faults.failStatus ?? 503;
        if (faults.retryAfter !== undefined) res.setHeader("Retry-After", String(faults.retryAfter));
        res.end("injected failure\n");
        return;
      }
      if (takeFault(faults, "resetMidBodyNext")) return sendHalfThenReset(absRoot, req, res);
      if (faults.ignoreRange) delete req.headers.range;
      handler(req, res);
    };
    if (faults.delayMs) setTimeout(go, faults.delayMs);
    else go();
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const port = await listen(server);

  return {
    url: `http://127.0.0.1:${port}/`,
    log: async () => records.slice(),
    clearLog: async () => {
      records.length = 0;
      peak = inFlight;
    },
    maxInFlight: () => peak,
    faults,
    stop: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };
}

/** 206 headers promising the full range, half the bytes, then a dead connection. */
function sendHalfThenReset(root: string, req: IncomingMessage, res: ServerResponse): void {
  const path = join(root, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
  const bytes = readFileSync(path);
  const r = parseRange(req.headers.range, bytes.length);
  const [start, end] = typeof r === "object" ? [r.start, r.end] : [0, bytes.length - 1];
  res.writeHead(typeof r === "object" ? 206 : 200, {
    "Content-Length": String(end - start + 1),
    ...(typeof r === "object" ? { "Content-Range": `bytes ${start}-${end}/${bytes.length}` } : {}),
  });
  res.write(bytes.subarray(start, start + Math.floor((end - start + 1) / 2)), () => {
    setTimeout(() => res.socket?.destroy(), 10);
  });
}

export function nginxBinary(): string | undefined {
  for (const p of ["/usr/sbin/nginx", "/usr/bin/nginx"]) {
    try {
      if (statSync(p).isFile()) return p;
    } catch {}
  }
  const which = spawnSync("sh", ["-c", "command -v nginx"], { encoding: "utf8" });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

async function freePort(): Promise<number> {
  const s = createServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const c = connect(port, "127.0.0.1");
    c.once("connect", () => {
      c.destroy();
      ok(true);
    });
    c.once("error", () => ok(false));
  });
}

function nginxConfig(dir: string, root: string, port: number): string {
  const asRoot = process.getuid?.() === 0;
  return `
${asRoot ? "user root;" : ""}
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  log_format fvx escape=json '{"method":"$request_method","url":"$request_uri","range":"$http_range",'
    '"status":$status,"if_match":"$http_if_match","if_range":"$http_if_range",'
    '"content_type":"$http_content_type","origin":"$http_origin"}';
  access_log ${dir}/access.log fvx;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  types {
    application/octet-stream fvx;
    text/html html;
    text/javascript js;
    application/wasm wasm;
    application/json json;
    text/css css;
  }
  default_type application/octet-stream;
  sendfile on;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / {
      if ($request_method = OPTIONS) {
        add_header Access-Control-Allow-Origin * always;
        add_header Access-Control-Allow-Methods "GET, HEAD, OPTIONS" always;
        add_header Access-Control-Allow-Headers "Range" always;
        return 204;
      }
      add_header Access-Control-Allow-Origin * always;
      add_header Access-Control-Expose-Headers "Content-Range, ETag, Content-Length, Accept-Ranges" always;
      add_header Cross-Origin-Resource-Policy cross-origin always;
    }
  }
}
`;
}

/** A real nginx serving `root` on a free loopback port (throws if nginx is not installed). */
export async function startNginx(root: string): Promise<TestServer> {
  const bin = nginxBinary();
  if (!bin) throw new Error("nginx is not installed (run scripts/ensure-system.sh)");
  const absRoot = resolve(root);
  for (let attempt = 0; ; attempt++) {
    const dir = makeTempDir("fvx-nginx-");
    const port = await freePort();
    writeFileSync(join(dir, "nginx.conf"), nginxConfig(dir, absRoot, port));
    writeFileSync(join(dir, "access.log"), "");
    const proc: ChildProcess = spawn(
      bin,
      ["-p", dir, "-e", join(dir, "error.log"), "-c", join(dir, "nginx.conf")],
      {
        stdio: "ignore",
      },
    );
    let exited = false;
    proc.on("exit", () => {
      exited = true;
    });
    const deadline = Date.now() + 5000;
    while (!exited && Date.now() < deadline && !(await canConnect(port)))
      await new Promise((r) => setTimeout(r, 25));
    if (exited || Date.now() >= deadline) {
      proc.kill("SIGKILL");
      let err = "";
      try {
        err = readFileSync(join(dir, "error.log"), "utf8");
      } catch {}
      rmSync(dir, { recursive: true, force: true });
      // Someone may have taken the port between probe and bind: try another.
      if (attempt < 3 && /in use/i.test(err)) continue;
      throw new Error(`nginx did not start: ${err.trim() || "no error log"}`);
    }
    return nginxHandle(dir, port, proc);
  }
}

function nginxHandle(dir: string, port: number, proc: ChildProcess): TestServer {
  const logPath = join(dir, "access.log");
  let skip = 0;
  const readLines = () =>
    readFileSync(logPath, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "");
  // nginx writes a log line after the response is sent: wait until the log is still.
  const settled = async () => {
    let last = -1;
    let lines = readLines();
    for (let i = 0; i < 20 && lines.length !== last; i++) {
      last = lines.length;
      await new Promise((r) => setTimeout(r, 30));
      lines = readLines();
    }
    return lines;
  };
  return {
    url: `http://127.0.0.1:${port}/`,
    async log() {
      return (await settled()).slice(skip).map((l) => {
        const j = JSON.parse(l) as Record<string, string | number>;
        const headers: Record<string, string> = {};
        for (const k of ["if_match", "if_range", "content_type", "origin"]) {
          if (j[k]) headers[k.replace("_", "-")] = String(j[k]);
        }
        if (j.range) headers.range = String(j.range);
        return {
          method: String(j.method),
          url: String(j.url),
          range: j.range ? String(j.range) : undefined,
          headers,
          status: Number(j.status),
        };
      });
    },
    async clearLog() {
      skip = (await settled()).length;
    },
    maxInFlight: () => undefined,
    faults: {},
    stop: () =>
      new Promise<void>((done) => {
        const finish = () => {
          rmSync(dir, { recursive: true, force: true });
          done();
        };
        if (proc.exitCode !== null || proc.signalCode !== null) return finish();
        proc.once("exit", finish);
        proc.kill("SIGTERM");
      }),
  };
}
