import { defineConfig } from "@playwright/test";

// Browser tests drive Debian's Chromium (no browser download here): the
// production build plus the demo datasets, served by `flatvox serve` on loopback.
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
  "--use-angle=swiftshader",
  "--enable-unsafe-swiftshader",
];

const PORT = Number(process.env.FLATVOX_TEST_PORT ?? 4317);

export default defineConfig({
  testDir: "test/browser",
  testMatch: /.*\.spec\.ts/,
  timeout: 120_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"], ["json", { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ?? ".cache/playwright-results.json" }]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    browserName: "chromium",
    launchOptions: { executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS },
    viewport: { width: 1280, height: 800 },
    trace: "off",
  },
  webServer: {
    command: `node scripts/prepare-site.mjs && node bin/flatvox.js serve .cache/site --port ${PORT} --host 127.0.0.1`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 600_000,
  },
});
