/**
 * The backend worker (src/viewer/backend): bricks reach the page once, as
 * what it draws, and picks run next to the bricks. Counted by the page's
 * instrumentation (brick payloads received, messages that carried them,
 * brick data sent anywhere else), not assumed from the design.
 */
import { expect, type Page, test } from "@playwright/test";
import { decodePng } from "../helpers/png";
import { openViewer } from "../helpers/viewer-page";

const SCALAR = "data/gray-scott.fvx";

type Stats = {
  backend: string;
  bricksLoaded: number;
  crossingsPerBrick: number;
  mainMsPerBrick: number;
  shownT: number;
  brickCost: { bricks: number; crossings: number; mainMs: number; meshes: number };
  meshes: { built: number; fromBackend: number; msAvg: number };
};
type Hook = {
  ready: Promise<void>;
  setPlayback(p: Record<string, unknown>): void;
  whenIdle(): Promise<Stats | undefined>;
  stats(): Stats;
  state(): { t: number };
  pickAt(x: number, y: number): Promise<{ value?: number; exact: boolean; ijk: number[] } | undefined>;
  picked(): { value?: number; ijk: number[]; exact: boolean } | undefined;
  info(): { fields: { name: string }[] };
  engine(): {
    store: { payload(s: unknown): { data?: unknown } | undefined };
    backend?: { counts: { bricks: number; crossings: number; meshes: number; copies: number } };
    viewport: {
      scene: {
        traverse(
          f: (o: {
            isMesh?: boolean;
            name: string;
            visible: boolean;
            geometry?: { attributes: Record<string, unknown>; index: { count: number } | null };
          }) => void,
        ): void;
      };
    };
    ds: { sample(field: string, t: number, ijk: number[]): Promise<number> };
  };
};
type W = { __flatvox: Hook };

const open = (page: Page, query: string) => openViewer(page, query, { idle: true });

const counts = (page: Page) =>
  page.evaluate(() => {
    const h = (window as unknown as W).__flatvox;
    const s = h.stats();
    const c = h.engine().backend?.counts ?? { bricks: -1, crossings: -2, copies: -1 };
    return { ...c, perBrick: s.crossingsPerBrick, backend: s.backend };
  });

/** Fraction of canvas pixels showing data, per captured screen frame. */
async function coverageDuring(page: Page, during: () => Promise<void>): Promise<number[]> {
  const cdp = await page.context().newCDPSession(page);
  const frames: string[] = [];
  cdp.on("Page.screencastFrame", (f: { data: string; sessionId: number }) => {
    frames.push(f.data);
    void cdp.send("Page.screencastFrameAck", { sessionId: f.sessionId }).catch(() => undefined);
  });
  const vp = page.viewportSize()!;
  await cdp.send("Page.startScreencast", { format: "png", maxWidth: vp.width / 2, maxHeight: vp.height / 2 });
  await during();
  await cdp.send("Page.stopScreencast");
  await cdp.detach();
  const box = (await page.getByTestId("viewer-canvas").boundingBox())!;
  return frames.map((data) => {
    const img = decodePng(Buffer.from(data, "base64"));
    const k = img.width / vp.width;
    let n = 0;
    let all = 0;
    for (
      let y = Math.round((box.y + box.height * 0.1) * k);
      y < Math.round((box.y + box.height * 0.9) * k);
      y++
    )
      for (
        let x = Math.round((box.x + box.width * 0.1) * k);
        x < Math.round((box.x + box.width * 0.9) * k);
        x++
      ) {
        const o = (y * img.width + x) * 4;
        const [r, g, b] = [img.rgba[o], img.rgba[o + 1], img.rgba[o + 2]];
        if (Math.abs(r - 0x14) + Math.abs(g - 0x17) + Math.abs(b - 0x1c) > 18 && r + g + b > 12) n++;
        all++;
      }
    return n / Math.max(1, all);
  });
}

test("each brick crosses threads once, and playback shows no blank frame", async ({ page }) => {
  test.setTimeout(240_000);
  await open(page, `url=${SCALAR}`);
  const first = await counts(page);
  expect(first.backend).toBe("worker");
  expect(first.bricks).toBeGreaterThan(0);
  expect(first.crossings).toBe(first.bricks);
  expect(first.copies).toBe(0);
  // The page holds scalar bricks only in their GPU form: no decoded values came over.
  const valuesOnPage = await page.evaluate(() => {
    const e = (window as unknown as W).__flatvox.engine() as unknown as {
      store: { data: Map<string, { data?: unknown; ready?: unknown }> };
    };
    let values = 0;
    let gpu = 0;
    for (const p of e.store.data.values()) {
      if (p.data) values++;
      if (p.ready) gpu++;
    }
    return { values, gpu };
  });
  expect(valuesOnPage.values).toBe(0);
  expect(valuesOnPage.gpu).toBeGreaterThan(0);

  const coverage = await coverageDuring(page, async () => {
    await page.evaluate(() =>
      (window as unknown as W).__flatvox.setPlayback({ speed: 2, loop: true, playing: true }),
    );
    await page.waitForTimeout(8000);
    await page.evaluate(() => (window as unknown as W).__flatvox.setPlayback({ playing: false }));
  });
  expect(coverage.length).toBeGreaterThan(10);
  const reference = Math.max(...coverage);
  expect(reference).toBeGreaterThan(0.02);
  expect(
    coverage.filter((c) => c < reference * 0.2).length,
    `coverage ${coverage.map((c) => c.toFixed(3))}`,
  ).toBe(0);

  await page.evaluate(() => (window as unknown as W).__flatvox.whenIdle());
  const played = await counts(page);
  expect(played.bricks).toBeGreaterThan(first.bricks); // playback brought new bricks
  expect(played.crossings).toBe(played.bricks);
  expect(played.perBrick).toBe(1);

  // A pick runs in the backend: no brick data crosses for it, and the value is the reader's.
  const box = (await page.getByTestId("viewer-canvas").boundingBox())!;
  const hit = await page.evaluate(
    async ([w, h]) => {
      for (let fy = 0.3; fy < 0.8; fy += 0.05)
        for (let fx = 0.3; fx < 0.8; fx += 0.05) {
          const r = await (window as unknown as W).__flatvox.pickAt(fx * w, fy * h);
          if (r) return r;
        }
      return undefined;
    },
    [box.width, box.height],
  );
  expect(hit?.exact).toBe(true);
  const fromReader = await page.evaluate((ijk) => {
    const h = (window as unknown as W).__flatvox;
    return h.engine().ds.sample(h.info().fields[0].name, h.state().t, ijk);
  }, hit!.ijk);
  expect(hit!.value).toBe(fromReader);
  const afterPick = await counts(page);
  expect(afterPick.crossings).toBe(afterPick.bricks);
  expect(afterPick.perBrick).toBe(1);
});

test("categorical bricks cross once, as the backend's meshes, equal to the page-made ones", async ({
  page,
}) => {
  test.setTimeout(240_000);
  const MATERIAL = "data/material-world.fvx";
  // Triangles of each drawn brick mesh (by level/brick), and the crossing counters.
  const meshes = () =>
    page.evaluate(() => {
      const h = (window as unknown as W).__flatvox;
      const tris: Record<string, number> = {};
      h.engine().viewport.scene.traverse((o) => {
        if (o.isMesh && o.visible && o.geometry && "color" in o.geometry.attributes)
          tris[o.name] = (o.geometry.index?.count ?? 0) / 3;
      });
      const s = h.stats();
      return { tris, stats: s, counts: h.engine().backend?.counts };
    });
  await open(page, `url=${MATERIAL}&backend=off`);
  const off = await meshes();
  expect(off.stats.backend).toBe("off");
  expect(off.stats.meshes.fromBackend).toBe(0);
  await open(page, `url=${MATERIAL}`);
  const on = await meshes();
  expect(on.stats.backend).toBe("worker");
  const c = on.counts!;
  // Every mesh the layer built came from the backend, and each was the one crossing of its brick's data.
  expect(on.stats.meshes.built).toBeGreaterThan(0);
  expect(c.meshes).toBe(on.stats.meshes.built);
  expect(c.crossings).toBe(c.meshes);
  // Nothing else crossed (no ids to the page, none on to a mesh worker).
  expect(on.stats.brickCost.crossings).toBe(c.crossings);
  expect(on.stats.crossingsPerBrick).toBeGreaterThan(0);
  expect(on.stats.crossingsPerBrick).toBeLessThanOrEqual(1);
  // The same view selects the same bricks; each brick's mesh has the triangles the page's mesh worker made.
  const shared = Object.keys(on.tris).filter((k) => k in off.tris);
  expect(shared.length).toBeGreaterThan(0);
  expect(shared.length).toBeGreaterThanOrEqual(Object.keys(off.tris).length * 0.9);
  for (const k of shared) expect([k, on.tris[k]]).toEqual([k, off.tris[k]]);
  expect(shared.some((k) => on.tris[k] > 0)).toBe(true);
});
