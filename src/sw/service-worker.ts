/**
 * The app shell's service worker. Built by src/sw/vite-plugin.ts, which
 * prepends the list of built files (PRECACHE) and a content hash (VERSION).
 *
 * - Built files are precached at install and served cache-first (their
 *   names are content-hashed; index.html is not, so navigations go to the
 *   network first and fall back to the cached shell).
 * - Dataset reads are never touched: range requests and .fvx files go
 *   straight to the network, so the app's own IndexedDB cache (which
 *   verifies checksums and tracks ETags) is the one source of offline bytes.
 * - Other same-origin GETs (the catalog) are network-first with a cached
 *   fallback, so the catalog also lists datasets offline.
 */
declare const PRECACHE: string[];
declare const VERSION: string;

interface ExtendableEventLike {
  waitUntil(p: Promise<unknown>): void;
}
interface FetchEventLike extends ExtendableEventLike {
  request: Request;
  respondWith(r: Promise<Response>): void;
}
interface WorkerScope {
  location: Location;
  registration: { scope: string };
  clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: "install" | "activate", fn: (e: ExtendableEventLike) => void): void;
  addEventListener(type: "fetch", fn: (e: FetchEventLike) => void): void;
}

const sw = self as unknown as WorkerScope;
const SHELL = `flatvox-shell-${VERSION}`;
const RUNTIME = "flatvox-runtime";
const scope = new URL(sw.registration.scope);
const shellUrls = PRECACHE.map((p) => new URL(p, scope).href);
const precached = new Set(shellUrls);
const indexUrl = new URL("index.html", scope).href;

sw.addEventListener("install", (e) => {
  e.waitUntil(
    caches
      .open(SHELL)
      .then((c) => c.addAll(shellUrls))
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener("activate", (e) => {
  e.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys.filter((k) => k.startsWith("flatvox-shell-") && k !== SHELL).map((k) => caches.delete(k)),
        ),
      )
      .then(() => sw.clients.claim()),
  );
});

async function networkFirst(req: Request, fallback: string | Request, store?: string): Promise<Response> {
  try {
    const res = await fetch(req);
    if (store && res.ok && res.status === 200) {
      const copy = res.clone();
      void caches.open(store).then((c) => c.put(req, copy));
    }
    return res;
  } catch (err) {
    const hit = (await caches.match(fallback, { ignoreSearch: typeof fallback === "string" })) ?? undefined;
    if (hit) return hit;
    throw err;
  }
}

async function cacheFirst(req: Request): Promise<Response> {
  const hit = await caches.match(req, { ignoreSearch: true });
  return hit ?? fetch(req);
}

sw.addEventListener("fetch", (e) => {
  const req = e.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  if (req.headers.has("range") || url.pathname.endsWith(".fvx")) return;
  if (req.mode === "navigate") {
    e.respondWith(networkFirst(req, indexUrl));
    return;
  }
  const bare = url.origin + url.pathname;
  if (precached.has(bare)) {
    e.respondWith(cacheFirst(req));
    return;
  }
  e.respondWith(networkFirst(req, req, RUNTIME));
});
