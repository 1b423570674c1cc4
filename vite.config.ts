import { resolve } from "node:path";
import react from "@vitejs/plugin-react";
import type { Plugin } from "vite";
import { VitePWA } from "vite-plugin-pwa";
import { defineConfig } from "vitest/config";

// COOP/COEP make the app cross-origin isolated (SharedArrayBuffer, precise
// timers); transfer-only Comlink does not need it.
const isolation = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

/** In `npm start`, serve the generated demo datasets at /data with Range, ETag and CORS. */
function demoData(): Plugin {
  return {
    name: "flatvox-demo-data",
    apply: "serve",
    async configureServer(server) {
      const { createRangeHandler } = await import("./src/cli/serve");
      const handler = createRangeHandler(resolve(__dirname, ".cache/demo"));
      server.middlewares.use("/data", (req, res, next) => handler(req, res, next));
    },
  };
}

/**
 * The app shell's service worker (src/sw/sw.ts) built by vite-plugin-pwa: sw.js
 * with the precache manifest of every built file but source maps. The app
 * registers it itself (src/viewer/offline/register-sw.ts); no web manifest.
 */
function appShellWorker(): Plugin[] {
  return VitePWA({
    strategies: "injectManifest",
    srcDir: "src/sw",
    filename: "sw.ts",
    injectRegister: false,
    manifest: false,
    injectManifest: {
      rollupFormat: "iife",
      sourcemap: false,
      globPatterns: ["**/*"],
      globIgnores: ["**/*.map", "sw.js", "data/**", ".build-stamp"],
      // The WASM kernels and the viewer's chunks are larger than Workbox's 2 MiB default.
      maximumFileSizeToCacheInBytes: 64 * 2 ** 20,
    },
  });
}

export default defineConfig({
  plugins: [react(), demoData(), ...appShellWorker()],
  server: { headers: isolation },
  preview: { headers: isolation },
  worker: { format: "es" },
  build: { target: "es2022", sourcemap: true },
  test: {
    // The Slurm cluster test (root, slurm-wlm, a few minutes) runs when asked for: npm run test:slurm, and in CI (.ci/run).
    include: [
      "test/unit/**/*.test.ts",
      ...(process.env.FLATVOX_SLURM_TEST === "1" ? ["test/slurm/**/*.test.ts"] : []),
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
