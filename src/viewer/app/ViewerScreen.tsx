/** One open dataset: opening progress, the canvas, and the panels around it. */
import { useEffect, useRef, useState } from "react";
import { defaultWorkerPool } from "../../worker/pool";
import { workersAvailable } from "../../worker/spawn";
import { sharedViewerCore } from "../core/core-client";
import { type OpenedDataset, openViewerDataset } from "../data/dataset-adapter";
import { diagnoseOpenError } from "../data/diagnose-error";
import { OfflineNotice } from "../offline/OfflineNotice";
import { OfflinePanel } from "../offline/OfflinePanel";
import { openViewerCache, type ViewerCache } from "../offline/offline-data";
import { setOfflineDataset } from "../offline/offline-hook";
import { saveLastView } from "../offline/settings";
import { DEFAULT_BUDGETS, ViewerEngine } from "../stream/engine";
import { DatasetPanel } from "../ui/DatasetPanel";
import { FeaturesPanel } from "../ui/FeaturesPanel";
import { PickPanel } from "../ui/PickPanel";
import { ProbePlot } from "../ui/ProbePlot";
import { RenderControls } from "../ui/RenderControls";
import { StatsPanel } from "../ui/StatsPanel";
import { ErrorBanner, OnlineIndicator, StreamProgress, useOnline } from "../ui/StatusBar";
import { TimeControls } from "../ui/TimeControls";
import { useEngine } from "../ui/use-engine";
import { mark } from "./marks";
import { attachEngine, reportError } from "./test-hook";
import { serializeViewState } from "./url-state";
import type { ViewState } from "./view-state";

export function ViewerScreen(props: { url: string; title?: string; initial: ViewState; onHome: () => void }) {
  const [ds, setDs] = useState<OpenedDataset>();
  const [error, setError] = useState<unknown>();
  const [engine, setEngine] = useState<ViewerEngine>();
  const [elapsed, setElapsed] = useState(0);
  // Bumped by "Retry": opens the dataset again from scratch.
  const [attempt, setAttempt] = useState(0);
  const canvasHost = useRef<HTMLDivElement>(null);
  useEngine(engine);
  const online = useOnline(ds?.online);
  const [cache, setCache] = useState<ViewerCache>();
  useEffect(() => {
    void openViewerCache().then(setCache);
  }, []);
  useEffect(() => {
    setOfflineDataset(ds);
    return () => setOfflineDataset(undefined);
  }, [ds]);

  // Open: one request for the header, then the engine streams bricks.
  useEffect(() => {
    const c = new AbortController();
    const t0 = performance.now();
    const timer = setInterval(() => setElapsed(performance.now() - t0), 100);
    let opened: OpenedDataset | undefined;
    if (attempt > 0) mark("open-retry");
    // Start the kernels' worker and the decode workers (WASM compile, zstd init) while the header loads.
    sharedViewerCore();
    if (workersAvailable())
      void defaultWorkerPool()
        .info()
        .catch(() => undefined);
    openViewerDataset(props.url, { signal: c.signal })
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
  }, [props.url, attempt]);

  useEffect(() => {
    if (!ds || !canvasHost.current) return;
    const init = props.initial;
    const field = ds.info.fields.some((f) => f.name === init.field) ? init.field : ds.info.fields[0]?.name;
    const t = Math.min(Math.max(0, init.t), ds.info.times.length - 1);
    // `gpuMiB` / `cpuMiB` in the address override the memory budgets (small devices, tests).
    const q = new URLSearchParams(location.search);
    const mib = (k: string, d: number) => {
      const v = Number(q.get(k));
      return Number.isFinite(v) && v > 0 ? v * 2 ** 20 : d;
    };
    const budgets = {
      gpuBytes: mib("gpuMiB", DEFAULT_BUDGETS.gpuBytes),
      cpuBytes: mib("cpuMiB", DEFAULT_BUDGETS.cpuBytes),
    };
    const e = new ViewerEngine(canvasHost.current, ds, { ...init, url: props.url, field, t }, budgets);
    setEngine(e);
    const share = () =>
      `${location.pathname}?${serializeViewState({ ...e.state, url: props.url, camera: e.cameraState() })}`;
    attachEngine(e, share);
    // Keep the address bar a shareable link to the current view.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = e.subscribe(() => {
      if (e.error) setError(e.error);
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        const link = share();
        history.replaceState(null, "", link);
        saveLastView(link.slice(link.indexOf("?") + 1));
      }, 300);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
      attachEngine(undefined, () => location.href);
      e.dispose();
    };
  }, [ds, props.initial, props.url]);

  useEffect(() => {
    reportError(error ? (error instanceof Error ? error.message : String(error)) : undefined);
  }, [error]);

  // Click (not drag) on the canvas picks a voxel.
  const down = useRef<[number, number] | null>(null);

  return (
    <div className="viewer">
      <header className="topbar">
        <button
          type="button"
          className="home"
          onClick={props.onHome}
          title="back to the catalog"
          data-testid="home"
        >
          flatvox
        </button>
        <span className="ds-name">{props.title ?? props.url}</span>
        <span className="spacer" />
        {engine && <StreamProgress engine={engine} />}
        <button
          type="button"
          onClick={() => void navigator.clipboard?.writeText(location.href)}
          title="copy a link that reopens this exact view"
        >
          copy link
        </button>
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
      <div className="layout">
        <aside className="side left">
          {ds && <DatasetPanel info={ds.info} url={props.url} title={props.title} />}
          {engine && <RenderControls engine={engine} />}
        </aside>
        <main className="stage">
          <div
            className="canvas-host"
            ref={canvasHost}
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
        </main>
        <aside className="side right">
          {engine && <PickPanel engine={engine} />}
          {engine && <ProbePlot engine={engine} />}
          {engine && <FeaturesPanel engine={engine} />}
          {engine && <StatsPanel engine={engine} />}
          {ds && engine && <OfflinePanel ds={ds} cache={cache} t={engine.state.t} />}
        </aside>
      </div>
    </div>
  );
}
