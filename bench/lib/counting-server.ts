/**
 * `flatvox serve`'s range handler on a loopback port, counting what it serves:
 * requests (by method and status) and response body bytes, per path prefix.
 * Server-side counts are the ground truth both readers are judged by.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
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
export async function startCountingServer(root: string | Record<string, string>): Promise<CountingServer> {
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
    server.listen(0, "127.0.0.1", () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
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
