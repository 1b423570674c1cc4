/** `window.__flatvoxOffline`: the offline features for tests and scripting. */
import type { OpenedDataset } from "../data/dataset-adapter";
import { openViewerCache, type ViewerCache } from "./offline-data";

export interface FlatvoxOfflineHook {
  cache(): Promise<ViewerCache | undefined>;
  /** The open dataset (offline access, unavailable bricks, online state). */
  dataset(): OpenedDataset | undefined;
}

let current: OpenedDataset | undefined;

export function setOfflineDataset(ds: OpenedDataset | undefined): void {
  current = ds;
}

export function installOfflineHook(): void {
  const hook: FlatvoxOfflineHook = {
    // With the dataset read in the backend worker, its writes and counters are part of the cache.
    cache: async () => {
      const c = await openViewerCache();
      return c && (current?.cacheView?.(c) ?? c);
    },
    dataset: () => current,
  };
  (window as unknown as { __flatvoxOffline: FlatvoxOfflineHook }).__flatvoxOffline = hook;
}
