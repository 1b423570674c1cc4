/**
 * `flatvox serve`'s range handler on a loopback port, counting what it serves:
 * requests (by method and status) and response body bytes, per path prefix.
 * Server-side counts are the ground truth both readers are judged by.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createRangeHandler } from "../../src/cli/serve";

export interface ServedRequest {
  method: string;
  path: string;
  range?: string;
  status: number;
  bodyBytes: number;
}

export interface Counts {
  requests: number;
  /** HEAD requests among them. */
  heads: number;
  /** Response body bytes. */
  bytes: number;
}

export interface CountingServer {
  /** Base URL ending in "/". */
  url: string;
  /** Requests completed so far whose path starts with `prefix` (default all). */
  counts(prefix?: string): Counts;
  log(): ServedRequest[];
  reset(): void;
  stop(): Promise<void>;
}

/**
 * Serve `root`, or several directories each under its own URL prefix
 * (`{ "/a/": dirA, "/b/": dirB }`); counted paths are the full URL paths.
 */
/** `port`: 0 (default, or FLATVOX_BENCH_PORT when set) picks a free one. */
export async function startCountingServer(
  root: string | Record<string, string>,
  port = Number(process.env.FLATVOX_BENCH_PORT ?? 0),
): Promise<CountingServer> {
  const mounts = Object.entries(typeof root === "string" ? { "/": root } : root).map(([prefix, dir]) => ({
    prefix,
    handler: createRangeHandler(dir),
  }));
  let log: ServedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const fullPath = new URL(req.url ?? "/", "http://x").pathname;
    let bodyBytes = 0;
    const write = res.write.bind(res) as (...a: unknown[]) => boolean;
    const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
    const count = (chunk: unknown) => {
      if (typeof chunk === "string") bodyBytes += Buffer.byteLength(chunk);
      else if (chunk instanceof Uint8Array) bodyBytes += chunk.length;
    };
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      count(chunk);
      return write(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (typeof chunk !== "function") count(chunk);
      return end(chunk, ...rest);
    }) as typeof res.end;
    res.on("finish", () => {
      log.push({
        method: req.method ?? "",
        path: fullPath,
        range: req.headers.range,
        status: res.statusCode,
        bodyBytes: req.method === "HEAD" ? 0 : bodyBytes,
      });
    });
    const path = req.url ?? "/";
    const mount = mounts.find((m) => path.startsWith(m.prefix));
    if (!mount) {
      res.statusCode = 404;
      res.end();
      return;
    }
    // The handler resolves the path under its own directory.
    req.url = `/${path.slice(mount.prefix.length)}`;
    mount.handler(req, res);
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => ok());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/`,
    counts(prefix = "/") {
      const hits = log.filter((r) => r.path.startsWith(prefix));
      return {
        requests: hits.length,
        heads: hits.filter((r) => r.method === "HEAD").length,
        bytes: hits.reduce((a, r) => a + r.bodyBytes, 0),
      };
    },
    log: () => log.slice(),
    reset() {
      log = [];
    },
    stop: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/**
 * The same mounts served by a real nginx (one worker process, sendfile), its
 * access log (method, path, status, body bytes) as the ground truth. The
 * server runs outside this process, so its CPU is not charged to the reader
 * under test. Call `settle()` before reading counts: nginx logs a request
 * just after sending it.
 */
export async function startCountingNginx(
  root: string | Record<string, string>,
): Promise<CountingServer & { settle(): Promise<void> }> {
  const bin = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => existsSync(p));
  if (!bin) throw new Error("nginx is not installed (run scripts/ensure-system.sh)");
  const mounts = Object.entries(typeof root === "string" ? { "/": root } : root);
  const dir = mkdtempSync(join(tmpdir(), "fvx-bench-nginx-"));
  // FLATVOX_BENCH_PORT, when set, is used as it is (as for startCountingServer); else a free port.
  const fixed = Number(process.env.FLATVOX_BENCH_PORT ?? 0);
  const port =
    fixed ||
    (await new Promise<number>((ok) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => ok(p));
      });
    }));
  const logPath = join(dir, "access.log");
  const locations = mounts
    .map(([prefix, d]) => `location ${prefix} { alias ${resolve(d)}/; }`)
    .join("\n    ");
  writeFileSync(
    join(dir, "nginx.conf"),
    `${process.getuid?.() === 0 ? "user root;" : ""}
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  log_format fvx escape=json '{"method":"$request_method","path":"$uri","range":"$http_range","status":$status,"bytes":$body_bytes_sent}';
  access_log ${logPath} fvx;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  default_type application/octet-stream;
  types { application/json json; }
  sendfile on;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:${port};
    ${locations}
  }
}
`,
  );
  writeFileSync(logPath, "");
  const proc: ChildProcess = spawn(
    bin,
    ["-p", dir, "-e", join(dir, "error.log"), "-c", join(dir, "nginx.conf")],
    {
      stdio: "ignore",
    },
  );
  const deadline = Date.now() + 5000;
  for (;;) {
    const up = await new Promise<boolean>((ok) => {
      const c = connect(port, "127.0.0.1");
      c.once("connect", () => {
        c.destroy();
        ok(true);
      });
      c.once("error", () => ok(false));
    });
    if (up) break;
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill("SIGKILL");
      throw new Error(`nginx did not start: ${readFileSync(join(dir, "error.log"), "utf8").trim()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  let skip = 0;
  const lines = () =>
    readFileSync(logPath, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "");
  const records = (): ServedRequest[] =>
    lines()
      .slice(skip)
      .map((l) => {
        const j = JSON.parse(l) as {
          method: string;
          path: string;
          range: string;
          status: number;
          bytes: number;
        };
        return {
          method: j.method,
          path: j.path,
          range: j.range || undefined,
          status: j.status,
          bodyBytes: j.method === "HEAD" ? 0 : j.bytes,
        };
      });
  return {
    url: `http://127.0.0.1:${port}/`,
    counts(prefix = "/") {
      const hits = records().filter((r) => r.path.startsWith(prefix));
      return {
        requests: hits.length,
        heads: hits.filter((r) => r.method === "HEAD").length,
        bytes: hits.reduce((a, r) => a + r.bodyBytes, 0),
      };
    },
    log: records,
    reset() {
      skip = lines().length;
    },
    async settle() {
      for (let last = -1, i = 0; i < 40; i++) {
        const n = lines().length;
        if (n === last) return;
        last = n;
        await new Promise((r) => setTimeout(r, 10));
      }
    },
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
