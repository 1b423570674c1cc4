import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// COOP/COEP make the app cross-origin isolated (SharedArrayBuffer available);
// transfer-only Comlink does not need it, but high-resolution timers do.
const isolation = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

export default defineConfig({
  plugins: [react()],
  server: { headers: isolation },
  preview: { headers: isolation },
  worker: { format: "es" },
  build: { target: "es2022", sourcemap: true },
  test: {
    include: ["test/unit/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
