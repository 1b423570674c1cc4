import { chromium } from "playwright-core";
import { CHROMIUM_ARGS } from "/work/main/playwright.config";
const b = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
const p = await b.newPage({ viewport: { width: 1280, height: 800 } });
p.on("console", (m) => console.log("console:", m.text()));
await p.goto("http://127.0.0.1:4392/?url=data/gray-scott.fvx");
await p.waitForFunction(() => (window as any).__flatvox?.isReady === true, null, { timeout: 60000 });
await p.evaluate(() => { (window as any).__flatvox.setResolution(0.35); });
await p.evaluate(() => (window as any).__flatvox.setState({ t: 3, colormap: "diverging", mode: "mip", camera: { position: [200, -150, 120], target: [60, 64, 64] } }));
for (let i = 0; i < 10; i++) {
  await p.waitForTimeout(1500);
  const s = await p.evaluate(() => { const s = (window as any).__flatvox.stats(); const e = (window as any).__flatvox.engine(); return { complete: s.complete, sel: s.selected, pv: s.pendingVisible, pp: s.pendingPrefetch, shownT: s.shownT, frames: s.frames, key: e.lod.key.slice(-60), lodMs: s.lodMs, gpu: s.gpuBytes, up: s.uploads }; });
  console.log(JSON.stringify(s));
}
await b.close();
