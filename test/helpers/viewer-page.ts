/**
 * Opening the viewer page in a Playwright test: load `/?query` from the test
 * server, wait until the dataset is open (`__flatvox.ready`), then optionally
 * fix the render resolution and wait for a complete frame.
 */
import type { Page } from "@playwright/test";

type W = {
  __flatvox?: { ready: Promise<void>; setResolution(r: number): void; whenIdle(): Promise<unknown> };
};

export interface OpenViewerOptions {
  /** Render resolution scale to fix before waiting (comparable snapshots between loads); undefined: as loaded. */
  resolution?: number;
  /** Wait for a complete frame (`whenIdle`) after opening; default: when a resolution is fixed. */
  idle?: boolean;
}

/** Waits for the viewer's hook and for its dataset to be open. */
export async function waitViewerReady(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as unknown as W).__flatvox?.ready !== undefined);
  await page.evaluate(() => (window as unknown as W).__flatvox!.ready);
}

/** Opens `/?query`; by default at resolution 0.35, once the first complete frame is drawn. */
export async function openViewer(
  page: Page,
  query: string,
  opts: OpenViewerOptions = { resolution: 0.35 },
): Promise<void> {
  await page.goto(`/?${query}`);
  await waitViewerReady(page);
  const { resolution } = opts;
  const idle = opts.idle ?? resolution !== undefined;
  // One evaluate: the resolution is fixed and the wait for a complete frame starts in the same task.
  await page.evaluate(
    ([r, wait]) => {
      const hook = (window as unknown as W).__flatvox!;
      if (r !== undefined) hook.setResolution(r);
      return wait ? hook.whenIdle() : undefined;
    },
    [resolution, idle] as const,
  );
}
