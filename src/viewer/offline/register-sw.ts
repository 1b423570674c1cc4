/** Register the app shell's service worker (production builds only; the dev server serves modules live). */
export function registerServiceWorker(): void {
  if (!import.meta.env?.PROD || typeof navigator === "undefined" || !("serviceWorker" in navigator)) return;
  // Relative to the page, so the app works under any base path.
  navigator.serviceWorker.register(new URL("sw.js", document.baseURI).href).catch(() => {
    // No service worker (insecure origin, blocked): the app still works online.
  });
}
