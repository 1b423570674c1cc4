/**
 * The app shell's service worker, on Workbox. vite-plugin-pwa (injectManifest,
 * vite.config.ts) builds it to sw.js and injects the precache manifest: every
 * file of the built app (scripts, workers, WASM, CSS, index.html, public
 * files) with a revision, so any change installs a new worker.
 *
 * - Built files are precached at install and served from the cache (their
 *   names are content-hashed; query strings are ignored). Navigations go to
 *   the network first and fall back to the precached shell.
 * - Dataset reads are never touched: range requests and .fvx files go
 *   straight to the network, so the app's own IndexedDB cache (which
 *   verifies checksums and tracks ETags) is the one source of offline bytes.
 * - Other same-origin GETs (the catalog) are network-first with a cached
 *   fallback, so the catalog also lists datasets offline.
 */
import { clientsClaim } from "workbox-core";
import {
  cleanupOutdatedCaches,
  matchPrecache,
  type PrecacheEntry,
  precacheAndRoute,
} from "workbox-precaching";
import { registerRoute } from "workbox-routing";
import { NetworkFirst, NetworkOnly } from "workbox-strategies";

interface ExtendableEventLike {
  waitUntil(p: Promise<unknown>): void;
}
interface WorkerScope {
  __WB_MANIFEST: (PrecacheEntry | string)[];
  registration: { scope: string };
  skipWaiting(): Promise<void>;
  addEventListener(type: "activate", fn: (e: ExtendableEventLike) => void): void;
}

// Module scope: the worker's global, as Workbox's manifest injection looks for `self.__WB_MANIFEST`.
declare const self: WorkerScope;
const sw = self;
const scope = new URL(sw.registration.scope);

void sw.skipWaiting();
clientsClaim();
cleanupOutdatedCaches();
// Caches of the hand-written worker that came before this one.
sw.addEventListener("activate", (e) => {
  e.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((k) => k.startsWith("flatvox-shell-")).map((k) => caches.delete(k))),
      ),
  );
});

const inScope = (url: URL) => url.origin === scope.origin && url.pathname.startsWith(scope.pathname);
const datasetRead = (request: Request, url: URL) =>
  request.headers.has("range") || url.pathname.endsWith(".fvx");

// Before the precache route, which would answer navigations from the cache (all query strings ignored).
const network = new NetworkOnly();
registerRoute(
  ({ request, url }) => request.mode === "navigate" && inScope(url),
  async (options) => {
    try {
      return await network.handle(options);
    } catch (err) {
      const shell = await matchPrecache("index.html");
      if (shell) return shell;
      throw err;
    }
  },
);

precacheAndRoute(self.__WB_MANIFEST, { ignoreURLParametersMatching: [/.*/], directoryIndex: "index.html" });

registerRoute(
  ({ request, url }) => inScope(url) && !datasetRead(request, url),
  new NetworkFirst({ cacheName: "flatvox-runtime" }),
);
