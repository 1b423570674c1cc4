/**
 * The viewer as a component: one dataset, its canvas and panels, sized by its
 * container. Any number can live on one page; nothing about the page (its
 * address, `window`) is read or written unless `syncUrl` is on, as in the app.
 */
import { type CSSProperties, useMemo } from "react";
import { ViewerScreen } from "../app/ViewerScreen";
import { DEFAULT_VIEW, type ViewState } from "../app/view-state";
import type { PickResult } from "../pick/pick-session";
import type { ViewerEngine } from "../stream/engine";
import { controllerFor, type ViewerController } from "./controller";

export type ViewerState = ViewState & { camera?: { position: number[]; target: number[] } };

export interface FlatvoxViewerProps {
  /** The dataset: an http(s) URL, or a path relative to the page. */
  url?: string;
  /** Or a local `.fvx` as a `File`/`Blob` (drag-and-drop, a file picker): read range by range, never whole. */
  file?: Blob;
  /** Title shown in the top bar (default: the URL). */
  title?: string;
  /** Starting view; anything left out takes the default. Read when `url` changes. */
  initialState?: Partial<ViewState>;
  /** A pick (click on the data) found a voxel, or was cleared. */
  onPick?: (pick: PickResult | undefined) => void;
  /** The view changed (debounced): field, time, colours, camera, selection. */
  onStateChange?: (state: ViewerState) => void;
  /** Called with a controller once the dataset is open (undefined when it closes). */
  onReady?: (viewer: ViewerController | undefined) => void;
  /** Keep the page address a link to the current view (the flatvox app turns this on). */
  syncUrl?: boolean;
  /** Expose this viewer as the page's `window.__flatvox` scripting hook (one viewer per page). */
  hooks?: boolean;
  /** GPU and CPU memory budgets in bytes. */
  budgets?: { gpuBytes?: number; cpuBytes?: number };
  /** Poll the dataset every this many seconds and offer "n new timesteps — reload" when it grew; off when absent. */
  watchSeconds?: number;
  /** Shows the "flatvox" home button; called when it is pressed. */
  onHome?: () => void;
  className?: string;
  style?: CSSProperties;
}

export function FlatvoxViewer(props: FlatvoxViewerProps) {
  const { file, initialState } = props;
  const named = file as (Blob & { name?: string }) | undefined;
  const url = props.url ?? (named ? `file:${named.name ?? "blob"}` : "");
  // biome-ignore lint/correctness/useExhaustiveDependencies: the initial state is read once per dataset
  const initial = useMemo<ViewState>(
    () => ({ ...structuredClone(DEFAULT_VIEW), ...initialState, url }),
    [url, file],
  );
  // By value: an inline `budgets={{ … }}` must not restart the viewer at every render.
  const gpu = props.budgets?.gpuBytes;
  const cpu = props.budgets?.cpuBytes;
  const budgets = useMemo(() => ({ gpuBytes: gpu, cpuBytes: cpu }), [gpu, cpu]);
  return (
    <div className={`flatvox-embed ${props.className ?? ""}`.trim()} style={props.style}>
      <ViewerScreen
        key={url}
        url={url}
        file={file}
        hooks={props.hooks}
        title={props.title}
        initial={initial}
        onHome={props.onHome}
        syncUrl={props.syncUrl}
        budgets={budgets}
        watchMs={
          props.watchSeconds && props.watchSeconds > 0 ? Math.max(1000, props.watchSeconds * 1000) : undefined
        }
        onPick={props.onPick}
        onStateChange={props.onStateChange}
        onEngine={(e: ViewerEngine | undefined) => props.onReady?.(e ? controllerFor(e) : undefined)}
      />
    </div>
  );
}
