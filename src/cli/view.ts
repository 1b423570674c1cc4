/**
 * `flatvox view <file-or-url…>`: one local HTTP server for the built viewer
 * (dist/app, shipped in the package) and the named local files (at
 * /data/<n>/<name>, with the same Range/ETag/CORS/COOP handling as
 * `flatvox serve`); prints a link per dataset and opens the first in a
 * browser when the machine has one. URLs are passed to the viewer as they are.
 */
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { basename, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { FlatvoxError } from "../shared/errors";
import { createRangeHandler, type RangeHandler } from "./serve";

export interface ViewServer {
  /** The server's root URL. */
  url: string;
  /** One viewer link per dataset, in the order given. */
  links: string[];
  close(): Promise<void>;
}

export interface ViewOptions {
  port?: number;
  host?: string;
  /** Directory of the built viewer (default: the one in the package). */
  appDir?: string;
  logger?: (line: string) => void;
}

/** The built viewer: dist/app next to the compiled CLI, or in a checkout dist/app at the root. */
export function findAppDir(): string | undefined {
  for (const rel of ["../app/", "../../dist/app/"]) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(resolve(dir, "index.html"))) return dir;
  }
  return undefined;
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

export async function startViewServer(targets: string[], options: ViewOptions = {}): Promise<ViewServer> {
  const appDir = options.appDir ?? findAppDir();
  if (!appDir)
    throw new FlatvoxError(
      "InputError",
      "the viewer is not built here; run `node scripts/build-lib.mjs --app` (the installed package ships it)",
    );
  if (targets.length === 0)
    throw new FlatvoxError("InputError", "name at least one .fvx file or URL to view");
  const files: { handler: RangeHandler; name: string }[] = [];
  const paths: string[] = [];
  for (const t of targets) {
    if (isUrl(t)) {
      paths.push(t);
      continue;
    }
    const abs = resolve(t);
    const st = statSync(abs, { throwIfNoEntry: false });
    if (!st?.isFile()) throw new FlatvoxError("InputError", `not a file: ${t}`, { url: abs });
    const name = basename(abs);
    paths.push(`data/${files.length}/${encodeURIComponent(name)}`);
    files.push({ handler: createRangeHandler(dirname(abs), { logger: options.logger }), name });
  }
  const app = createRangeHandler(appDir, { logger: options.logger });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const m = /^\/data\/(\d+)\/([^/?#]+)(\?.*)?$/.exec(req.url ?? "");
    const file = m ? files[Number(m[1])] : undefined;
    if (file && m && decodeURIComponent(m[2]) === file.name) {
      // Only the named file is reachable, never its neighbours.
      req.url = `/${m[2]}${m[3] ?? ""}`;
      file.handler(req, res);
      return;
    }
    app(req, res);
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", fail);
      ok();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}/`;
  return {
    url,
    links: paths.map((p) => `${url}?url=${encodeURIComponent(p)}`),
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/** Open a link in the desktop's browser, when there is a desktop. */
function openBrowser(link: string): void {
  const cmd =
    process.platform === "darwin"
      ? "open"
      : process.platform === "win32"
        ? "explorer"
        : process.env.DISPLAY || process.env.WAYLAND_DISPLAY
          ? "xdg-open"
          : undefined;
  if (!cmd) return;
  const child = spawn(cmd, [link], { stdio: "ignore", detached: true });
  child.on("error", () => {});
  child.unref();
}

export function register(program: Command): void {
  program
    .command("view")
    .description("open .fvx files or URLs in the viewer: one local server for the viewer and the data")
    .argument("<files-or-urls...>", ".fvx file paths or http(s) URLs")
    .option("-p, --port <port>", "port (0 picks a free one)", "0")
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--no-open", "do not open a browser")
    .option("-v, --verbose", "log requests")
    .action(
      async (targets: string[], o: { port: string; host: string; open: boolean; verbose?: boolean }) => {
        const port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new FlatvoxError("InputError", `invalid port: ${o.port}`);
        const s = await startViewServer(targets, {
          port,
          host: o.host,
          logger: o.verbose ? (line) => console.log(line) : undefined,
        });
        for (const [i, link] of s.links.entries()) console.log(`flatvox: viewing ${targets[i]} at ${link}`);
        if (o.open) openBrowser(s.links[0]);
        const stop = () => void s.close().then(() => process.exit(0));
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      },
    );
}
