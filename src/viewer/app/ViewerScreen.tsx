/** One open dataset: opening progress, the canvas, and the panels around it. */
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { defaultWorkerPool } from "../../worker/pool";
import { workersAvailable } from "../../worker/spawn";
import { backendWanted } from "../backend/backend-client";
import { openBackendDataset } from "../backend/backend-dataset";
import { sharedViewerCore } from "../core/core-client";
import { type OpenedDataset, openViewerDataset } from "../data/dataset-adapter";
import { diagnoseOpenError } from "../data/diagnose-error";
import { LayersPanel } from "../layers/LayersPanel";
import { OfflineNotice } from "../offline/OfflineNotice";
import { OfflinePanel } from "../offline/OfflinePanel";
import { openViewerCache, type ViewerCache } from "../offline/offline-data";
import { setOfflineDataset } from "../offline/offline-hook";
import { saveLastView } from "../offline/settings";
import type { PickResult } from "../pick/pick-session";
import { LayoutSwitch } from "../slices/LayoutSwitch";
import { SlicePanes } from "../slices/SlicePanes";
import { DEFAULT_BUDGETS, ViewerEngine } from "../stream/engine";
import { ColorKey } from "../ui/ColorKey";
import { DatasetPanel } from "../ui/DatasetPanel";
import { ExportControls, useCapture } from "../ui/ExportControls";
import { FeaturesPanel } from "../ui/FeaturesPanel";
import { GrowthBanner } from "../ui/GrowthBanner";
import { LinePlot } from "../ui/LinePlot";
import { NavigationOverlay } from "../ui/NavigationOverlay";
import { fitToData, resetView } from "../ui/navigation";
import { PickPanel } from "../ui/PickPanel";
import { ProbePlot } from "../ui/ProbePlot";
import { RenderControls } from "../ui/RenderControls";
import { HelpOverlay, useShortcuts } from "../ui/Shortcuts";
import { StatsPanel } from "../ui/StatsPanel";
import { ErrorBanner, OnlineIndicator, StreamProgress, useOnline } from "../ui/StatusBar";
import { TimeControls } from "../ui/TimeControls";
import { useEngine } from "../ui/use-engine";
import { useCanvasWindowLevel } from "../ui/WindowLevelBar";
import { mark } from "./marks";
import { attachEngine, reportError } from "./test-hook";
import { serializeViewState } from "./url-state";
import type { ViewState } from "./view-state";

export interface ViewerScreenProps {
  url: string;
  /** A local `File`/`Blob` to read instead of fetching `url` (which then only names it). */
  file?: Blob;
  title?: string;
  initial: ViewState;
  /** The "flatvox" button: back to the catalog; no button without it. */
  onHome?: () => void;
  /** Keep the address bar a link to this view and remember it for the next visit (the app). */
  syncUrl?: boolean;
  /** Drive the page's `window.__flatvox` / `__flatvoxOffline` test hooks (the app: one viewer per page). */
  hooks?: boolean;
  /** Memory budgets (bytes); default DEFAULT_BUDGETS. */
  budgets?: Partial<typeof DEFAULT_BUDGETS>;
  /** Growth polling interval (ms); no polling when absent. */
  watchMs?: number;
  /** Called (debounced) when the view changes: field, time, camera, colours, selection. */
  onStateChange?: (state: ViewState & { camera: { position: number[]; target: number[] } }) => void;
  /** Called when a pick (click on the data) finds a voxel, or clears. */
  onPick?: (pick: PickResult | undefined) => void;
  /** Called with the engine once the dataset is open, and undefined when it goes. */
  onEngine?: (engine: ViewerEngine | undefined) => void;
}

export function ViewerScreen(props: ViewerScreenProps) {
  const [ds, setDs] = useState<OpenedDataset>();
  const [error, setError] = useState<unknown>();
  const [engine, setEngine] = useState<ViewerEngine>();
  const [elapsed, setElapsed] = useState(0);
  // Bumped by "Retry": opens the dataset again from scratch.
  const [attempt, setAttempt] = useState(0);
  const canvasHost = useRef<HTMLDivElement>(null);
  // The view to keep when the dataset is reopened because it grew.
  const [reopenView, setReopenView] = useState<ViewState>();
  const callbacks = useRef(props);
  callbacks.current = props;
  useEngine(engine);
  const online = useOnline(ds?.online);
  const [cache, setCache] = useState<ViewerCache>();
  useEffect(() => {
    void openViewerCache().then(setCache);
  }, []);
  useEffect(() => {
    if (!props.hooks) return;
    setOfflineDataset(ds);
    return () => setOfflineDataset(undefined);
  }, [ds, props.hooks]);

  // Open: one request for the header, then the engine streams bricks.
  useEffect(() => {
    const c = new AbortController();
    const t0 = performance.now();
    const timer = setInterval(() => setElapsed(performance.now() - t0), 100);
    let opened: OpenedDataset | undefined;
    if (attempt > 0) mark("open-retry");
    // The backend worker reads the dataset (and selects LOD) unless `?backend=off` (or without workers): then
    // the page does, and the kernels' worker and the decode workers start while the header loads.
    const backend = backendWanted();
    if (!backend) sharedViewerCore();
    if (!backend && workersAvailable())
      void defaultWorkerPool()
        .info()
        .catch(() => undefined);
    (backend ? openBackendDataset : openViewerDataset)(props.url, { signal: c.signal, file: props.file })
      .then(
        (d) => {
          opened = d;
          if (c.signal.aborted) d.close();
          else setDs(d);
        },
        async (e) => {
          const why = await diagnoseOpenError(e, new URL(props.url, location.href).href);
          if (!c.signal.aborted) setError(why);
        },
      )
      .finally(() => clearInterval(timer));
    return () => {
      c.abort();
      clearInterval(timer);
      opened?.close();
    };
  }, [props.url, props.file, attempt]);

  useEffect(() => {
    if (!ds || !canvasHost.current) return;
    const init = reopenView ?? props.initial;
    const field = ds.info.fields.some((f) => f.name === init.field) ? init.field : ds.info.fields[0]?.name;
    const t = Math.min(Math.max(0, init.t), ds.info.times.length - 1);
    const budgets = {
      gpuBytes: props.budgets?.gpuBytes ?? DEFAULT_BUDGETS.gpuBytes,
      cpuBytes: props.budgets?.cpuBytes ?? DEFAULT_BUDGETS.cpuBytes,
    };
    const e = new ViewerEngine(canvasHost.current, ds, { ...init, url: props.url, field, t }, budgets);
    setEngine(e);
    const sync = props.syncUrl;
    const hooks = props.hooks;
    const share = () =>
      `${location.pathname}?${serializeViewState({ ...e.state, url: props.url, camera: e.cameraState() })}`;
    if (hooks) attachEngine(e, share);
    callbacks.current.onEngine?.(e);
    // The app keeps the address bar a shareable link to the current view; embedders get callbacks.
    let timer: ReturnType<typeof setTimeout> | undefined;
    let picked = e.pick.result;
    const off = e.subscribe(() => {
      if (e.error) setError(e.error);
      if (e.pick.result !== picked) {
        picked = e.pick.result;
        callbacks.current.onPick?.(picked);
      }
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        callbacks.current.onStateChange?.({ ...e.state, url: props.url, camera: e.cameraState() });
        if (!sync) return;
        const link = share();
        history.replaceState(null, "", link);
        saveLastView(link.slice(link.indexOf("?") + 1));
      }, 300);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
      if (hooks) attachEngine(undefined, () => location.href);
      callbacks.current.onEngine?.(undefined);
      e.dispose();
    };
    // The callbacks are read through a ref: a new closure each render must not rebuild the engine.
  }, [ds, props.initial, props.url, props.syncUrl, props.hooks, props.budgets, reopenView]);

  useEffect(() => {
    if (props.hooks)
      reportError(error ? (error instanceof Error ? error.message : String(error)) : undefined);
  }, [error, props.hooks]);

  // Click (not drag) on the canvas picks a voxel.
  const down = useRef<[number, number] | null>(null);
  // Side panels fold away (keys 1 and 2). They start folded when the viewer itself is narrow
  // (a small screen, or a small element in an embedding page): the right one below 1200 px, both below 800 px.
  const root = useRef<HTMLDivElement>(null);
  const [leftOpen, setLeftOpen] = useState(true);
  const [rightOpen, setRightOpen] = useState(true);
  useLayoutEffect(() => {
    const w = root.current?.clientWidth || (typeof window === "undefined" ? 1200 : window.innerWidth);
    if (w < 1200) setRightOpen(false);
    if (w < 800) setLeftOpen(false);
  }, []);
  const [help, setHelp] = useState(false);
  const capture = useCapture(engine);
  const windowLevel = useCanvasWindowLevel(engine);
  useShortcuts(engine, {
    toggleHelp: () => setHelp((h) => !h),
    closeOverlays: () => setHelp(false),
    toggleLeft: () => setLeftOpen((o) => !o),
    toggleRight: () => setRightOpen((o) => !o),
    screenshot: () => void capture.screenshot(),
    record: () => capture.toggleRecording(),
  });

  return (
    <div className="viewer" ref={root}>
      <header className="topbar">
        {props.onHome && (
          <button
            type="button"
            className="home"
            onClick={props.onHome}
            title="back to the catalog"
            data-testid="home"
          >
            flatvox
          </button>
        )}
        <span className="ds-name">{props.title ?? props.url}</span>
        <span className="spacer" />
        {engine && <LayoutSwitch engine={engine} />}
        {engine && <StreamProgress engine={engine} />}
        <PanelToggle
          side="left"
          open={leftOpen}
          setOpen={setLeftOpen}
          name="view"
          title="view"
          shortcut="1"
        />
        <PanelToggle
          side="right"
          open={rightOpen}
          setOpen={setRightOpen}
          name="inspect"
          title="inspection"
          shortcut="2"
        />
        {engine && <ExportControls engine={engine} capture={capture} />}
        <button
          type="button"
          onClick={() => setHelp(true)}
          title="keyboard shortcuts (key ?)"
          data-testid="help-button"
        >
          ?<span className="sr-only"> keyboard shortcuts</span>
        </button>
        {props.syncUrl && (
          <button
            type="button"
            onClick={() => void navigator.clipboard?.writeText(location.href)}
            title="copy a link that reopens this exact view"
          >
            copy link
          </button>
        )}
        <OnlineIndicator online={online} />
      </header>
      {error !== undefined && (
        <ErrorBanner
          error={error}
          onClose={ds ? () => setError(undefined) : undefined}
          onRetry={() => {
            setError(undefined);
            setEngine(undefined);
            setDs(undefined);
            setAttempt((a) => a + 1);
          }}
        />
      )}
      {ds && engine && (
        <GrowthBanner
          url={props.url}
          knownTimes={ds.info.times.length}
          intervalMs={props.watchMs}
          onReload={() => {
            setReopenView({ ...engine.state, url: props.url, camera: engine.cameraState() });
            setEngine(undefined);
            setDs(undefined);
            setAttempt((a) => a + 1);
          }}
        />
      )}
      <div className="layout">
        <aside
          className={`side left${leftOpen ? "" : " collapsed"}`}
          id="side-left"
          aria-label="View settings"
        >
          {ds && <DatasetPanel info={ds.info} url={props.url} title={props.title} />}
          {engine && <RenderControls engine={engine} />}
          {engine && <LayersPanel engine={engine} />}
        </aside>
        <main className="stage">
          <div className={`views layout-${engine?.state.layout ?? props.initial.layout}`}>
            <div className="view3d">
              <div className="canvas-area">
                <div
                  className="canvas-host"
                  ref={canvasHost}
                  {...windowLevel}
                  onPointerDown={(ev) => {
                    down.current = [ev.clientX, ev.clientY];
                  }}
                  onPointerUp={(ev) => {
                    const d = down.current;
                    down.current = null;
                    if (!engine || !d || Math.hypot(ev.clientX - d[0], ev.clientY - d[1]) > 4) return;
                    const r = (ev.currentTarget as HTMLDivElement).getBoundingClientRect();
                    void engine.pickAt(ev.clientX - r.left, ev.clientY - r.top);
                  }}
                />
                {engine && <NavigationOverlay engine={engine} />}
                {engine && (
                  <div className="view-tools">
                    <button
                      type="button"
                      data-testid="reset-view"
                      onClick={() => resetView(engine)}
                      title="key R"
                    >
                      reset view
                    </button>
                    <button
                      type="button"
                      data-testid="fit-view"
                      onClick={() => fitToData(engine)}
                      title="key F"
                    >
                      fit to data
                    </button>
                  </div>
                )}
                {engine && (
                  <div className="color-key">
                    <ColorKey engine={engine} />
                  </div>
                )}
              </div>
            </div>
            {engine && engine.state.layout !== "3d" && (
              <SlicePanes engine={engine} planesIn3d={engine.state.layout === "2x2"} />
            )}
          </div>
          {!ds && !error && (
            <div className="overlay" data-testid="open-progress">
              <div className="progress-bar indeterminate">
                <div />
              </div>
              Opening {props.url}… {(elapsed / 1000).toFixed(1)} s
            </div>
          )}
          {engine && engine.stats().firstFrameMs === undefined && (
            <div className="overlay small" data-testid="first-frame-progress">
              <span className="spinner" /> streaming bricks for the first frame…
            </div>
          )}
          {ds && <OfflineNotice ds={ds} />}
          {engine && <TimeControls engine={engine} />}
          {help && <HelpOverlay onClose={() => setHelp(false)} />}
        </main>
        <aside
          className={`side right${rightOpen ? "" : " collapsed"}`}
          id="side-right"
          aria-label="Inspection"
        >
          {engine && <PickPanel engine={engine} />}
          {engine && <ProbePlot engine={engine} />}
          {engine && <LinePlot engine={engine} />}
          {engine && <FeaturesPanel engine={engine} />}
          {engine && <StatsPanel engine={engine} />}
          {ds && engine && (
            <OfflinePanel ds={ds} cache={cache && (ds.cacheView?.(cache) ?? cache)} t={engine.state.t} />
          )}
        </aside>
      </div>
    </div>
  );
}

/** Shows or hides one side panel (`#side-left` or `#side-right`). */
function PanelToggle(props: {
  side: "left" | "right";
  open: boolean;
  setOpen: (f: (open: boolean) => boolean) => void;
  /** In the button's text: "hide view panel". */
  name: string;
  /** In its tooltip: "show or hide the inspection panel". */
  title: string;
  shortcut: string;
}) {
  return (
    <button
      type="button"
      aria-pressed={props.open}
      aria-controls={`side-${props.side}`}
      data-testid={`toggle-${props.side}`}
      onClick={() => props.setOpen((o) => !o)}
      title={`show or hide the ${props.title} panel (key ${props.shortcut})`}
    >
      {props.open ? "hide" : "show"} {props.name} panel
    </button>
  );
}
