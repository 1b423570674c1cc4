import type { ByteSource } from "./byte-source";
import { type FetchLike, HttpSource, type MultiRangeMode } from "./http-source";
import { LazySource } from "./lazy-source";
import { type AccountedSource, TransportMeter, withAccounting } from "./with-accounting";
import { type CoalesceOptions, withCoalescing } from "./with-coalescing";
import { withConcurrency } from "./with-concurrency";
import { withDedupe } from "./with-dedupe";
import { type RetryOptions, withRetry } from "./with-retry";

export interface CreateSourceOptions {
  fetch?: FetchLike;
  /** Range coalescing options, or false to send every read as asked. */
  coalesce?: CoalesceOptions | false;
  /** Most HTTP requests in flight (default 6, the browsers' per-host HTTP/1.1 limit); false = unbounded. */
  concurrency?: number | false;
  /** Retry options, or false to fail on the first transient error. */
  retry?: RetryOptions | false;
  /** Share identical in-flight reads (default true). */
  dedupe?: boolean;
  /** Largest whole-file body accepted from a server that ignores Range (HttpSource). */
  maxFullBody?: number;
  /**
   * Several byte ranges per request (`Range: bytes=a-b,c-d`): "auto" (default:
   * in Node, and in a browser for the page's own origin, where it costs no CORS
   * preflight), "always" or "never". See HttpSourceOptions.multiRange.
   */
  multiRange?: MultiRangeMode;
  /** Meter to count into (e.g. one shared by the whole app); default a new one. */
  meter?: TransportMeter;
}

export const DEFAULT_CONCURRENCY = 6;

const OPEN = Symbol("open");

const isNode = typeof process !== "undefined" && typeof process.versions?.node === "string";

/** True when `url` names something to fetch (http, https, or relative in a browser). */
export function isHttpUrl(url: string): boolean {
  if (/^https?:\/\//i.test(url)) return true;
  if (/^file:/i.test(url)) return false;
  // Without a scheme: a path in Node, a URL relative to the page in a browser.
  return !isNode && !/^[a-z][a-z0-9+.-]*:/i.test(url);
}

/**
 * The standard source for a dataset location: the HTTP stack for URLs, a file
 * source for local paths (Node). Synchronous: files are opened on first read.
 *
 * HTTP stack, outermost first, and why each layer sits where it does:
 *  - accounting: sees every read the format layer asks for (bytes requested by
 *    purpose); its probe at the very bottom counts real requests and bytes;
 *  - dedupe: identical reads collapse before anything else, also across
 *    batching windows while the first is in flight;
 *  - coalescing: merges neighbouring reads of one batch into fewer, larger
 *    requests, and sends runs that stay apart several to one multi-range
 *    request — before the queue, so the queue holds merged requests;
 *  - concurrency: bounds requests on the wire; a queued read aborts cheaply;
 *  - retry: innermost, so a retry re-sends one concrete request and keeps its
 *    slot (a failing server is not hit harder), with a per-attempt timeout;
 *  - meter probe: every attempt, failed or not, matches one server request.
 */
export function createSource(url: string, options: CreateSourceOptions = {}): AccountedSource {
  const meter = options.meter ?? new TransportMeter();
  if (!isHttpUrl(url)) {
    if (!isNode) throw new TypeError(`not an http(s) URL: ${url}`);
    const file = new LazySource(url, async () => {
      const { FileSource } = await import("./file-source");
      return FileSource.open(url);
    });
    return Object.assign(withAccounting(meter.probe(file), meter), { [OPEN]: () => file.open() });
  }
  let src: ByteSource = meter.probe(
    new HttpSource(url, {
      fetch: options.fetch,
      maxFullBody: options.maxFullBody,
      multiRange: options.multiRange,
    }),
  );
  if (options.retry !== false) src = withRetry(src, options.retry || {});
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (concurrency !== false) src = withConcurrency(src, concurrency);
  if (options.coalesce !== false) src = withCoalescing(src, options.coalesce || {});
  if (options.dedupe !== false) src = withDedupe(src);
  return withAccounting(src, meter);
}

/** Like createSource, but the file (if any) is opened before returning, so open errors surface here. */
export async function createSourceAsync(
  url: string,
  options: CreateSourceOptions = {},
): Promise<AccountedSource> {
  const src = createSource(url, options);
  await (src as { [OPEN]?: () => Promise<unknown> })[OPEN]?.();
  return src;
}
