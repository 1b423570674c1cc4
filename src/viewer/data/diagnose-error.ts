/**
 * Opening failed: say what actually happened. A browser reports a response
 * it may not read (another origin answering without CORS headers, which many
 * servers leave off error pages such as a 404) exactly like an unreachable
 * server, and a cache under the reader then calls it "offline". A second
 * request in `no-cors` mode tells the two apart where the browser lets it (an
 * opaque answer means the server answered); where the browser blocks that
 * answer too (opaque-response blocking of error pages), both causes are named.
 */
import { FlatvoxError, isFlatvoxError } from "../../shared/errors";

type Fetch = (url: string, init: RequestInit) => Promise<Response>;

function looksUnreachable(e: unknown): boolean {
  if (isFlatvoxError(e, "OfflineError")) return true;
  return isFlatvoxError(e, "HttpError") && (e.context as { transient?: unknown }).transient === true;
}

export async function diagnoseOpenError(
  e: unknown,
  href: string,
  fetchFn: Fetch = (u, i) => fetch(u, i),
  pageOrigin: string | undefined = typeof location !== "undefined" ? location.origin : undefined,
): Promise<unknown> {
  if (!looksUnreachable(e)) return e;
  let target: URL;
  try {
    target = new URL(href);
  } catch {
    return e;
  }
  if (pageOrigin !== undefined && target.origin === pageOrigin) return e;
  try {
    await fetchFn(href, { mode: "no-cors", cache: "no-store", headers: { Range: "bytes=0-0" } });
  } catch {
    return new FlatvoxError(
      "HttpError",
      `could not read ${href}: ${target.origin} did not answer, or it answered without CORS headers (Access-Control-Allow-Origin), which the browser needs to let this page read another site's response. Servers often leave them off error responses such as 404 Not Found: check the URL, and that the server allows this site`,
      { url: href, cors: "unknown" },
      { cause: e },
    );
  }
  return new FlatvoxError(
    "HttpError",
    `${target.origin} answered, but without CORS headers (Access-Control-Allow-Origin), so the browser hides the response. Servers often send none with an error such as 404 Not Found: check the URL, or let the server allow this site`,
    { url: href, cors: "missing" },
    { cause: e },
  );
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  410: "Gone",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** The headline of an error for the banner: an HTTP status says its status and where. */
export function errorHeadline(e: unknown): string | undefined {
  if (!isFlatvoxError(e, "HttpError")) return undefined;
  const c = e.context as { status?: number; url?: string; transient?: boolean };
  if (c.status === undefined || c.status < 400 || c.url === undefined) return undefined;
  const reason = REASONS[c.status];
  return reason ? `HTTP ${c.status} ${reason} at ${c.url}` : `HTTP ${c.status} at ${c.url}`;
}
