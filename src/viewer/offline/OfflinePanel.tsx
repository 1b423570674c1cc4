/**
 * "Make available offline": choose a timestep range and LOD levels (or
 * everything), see the size before starting, download with progress,
 * pause and resume. Starting asks the browser to keep the storage
 * (navigator.storage.persist()); the cache manager below shows the quota.
 */
import { useEffect, useRef, useState } from "react";
import "./offline.css";
import type { OpenedDataset } from "../data/dataset-adapter";
import { BoundedNumberInput } from "../ui/controls";
import { formatBytes } from "../ui/use-engine";
import { CacheManagerPanel } from "./CacheManagerPanel";
import type { OfflineChoice, OfflineProgress, OfflineSizeEstimate, ViewerCache } from "./offline-data";

type Phase = "idle" | "running" | "paused" | "done" | "failed";

export function OfflinePanel({ ds, cache, t }: { ds: OpenedDataset; cache?: ViewerCache; t: number }) {
  const T = ds.info.times.length;
  const allLevels = ds.info.levels.map((l) => l.level);
  const [t0, setT0] = useState(t);
  const [t1, setT1] = useState(Math.min(T - 1, t + 2));
  const [levels, setLevels] = useState<number[]>(allLevels);
  const [estimate, setEstimate] = useState<OfflineSizeEstimate>();
  const [phase, setPhase] = useState<Phase>("idle");
  const [progress, setProgress] = useState<OfflineProgress>();
  const [message, setMessage] = useState<string>();
  const [version, setVersion] = useState(0);
  const ctrl = useRef<AbortController | undefined>(undefined);
  const cursor = useRef(0);
  const offline = ds.offline;
  const lo = Math.min(t0, t1);
  const hi = Math.max(t0, t1);
  const choice: OfflineChoice = { times: [lo, hi], levels };

  // Size before starting (listing a selection reads only hierarchy pages); again after each download.
  // biome-ignore lint/correctness/useExhaustiveDependencies: version changes when a download ends
  useEffect(() => {
    if (!offline || !levels.length) {
      setEstimate(undefined);
      return;
    }
    const c = new AbortController();
    const id = setTimeout(() => {
      offline.estimate({ times: [lo, hi], levels }, c.signal).then(
        (e) => !c.signal.aborted && setEstimate(e),
        () => {},
      );
    }, 150);
    cursor.current = 0;
    return () => {
      clearTimeout(id);
      c.abort();
    };
  }, [offline, lo, hi, levels, version]);

  useEffect(() => () => ctrl.current?.abort(), []);

  if (!offline) return null;

  const start = async (resume: boolean) => {
    const c = new AbortController();
    ctrl.current = c;
    setPhase("running");
    setMessage(undefined);
    void cache?.persist();
    try {
      const r = await offline.download(choice, {
        signal: c.signal,
        from: resume ? cursor.current : 0,
        onProgress: (p) => {
          cursor.current = p.cursor;
          setProgress(p);
        },
      });
      setProgress(r);
      setPhase("done");
      setMessage(`${formatBytes(r.doneBytes)} available offline (${r.fetchedEntries} ranges downloaded)`);
    } catch (e) {
      const tag = (e as { tag?: string }).tag;
      if (c.signal.aborted || tag === "AbortError") {
        setPhase("paused");
      } else {
        setPhase("failed");
        setMessage(e instanceof Error ? e.message : String(e));
      }
    } finally {
      setVersion((v) => v + 1);
    }
  };

  const pct =
    progress?.totalBytes !== undefined && progress.totalBytes > 0
      ? Math.floor((100 * progress.doneBytes) / progress.totalBytes)
      : undefined;
  const running = phase === "running";
  return (
    <section className="panel offline" data-testid="offline-panel">
      <h2>Make available offline</h2>
      <div className="row">
        {(
          [
            ["time steps", "offline-t0", t0, setT0],
            ["to", "offline-t1", t1, setT1],
          ] as const
        ).map(([name, testId, value, setValue]) => (
          <label key={testId}>
            {name}{" "}
            <BoundedNumberInput
              min={0}
              max={T - 1}
              value={value}
              disabled={running}
              testId={testId}
              onValue={(v) => setValue(clamp(v, T))}
            />
          </label>
        ))}
      </div>
      <div className="row" data-testid="offline-levels">
        levels{" "}
        {allLevels.map((l) => (
          <label key={l} title={l === 0 ? "full resolution" : `downsampled ×${2 ** l}`}>
            <input
              type="checkbox"
              checked={levels.includes(l)}
              disabled={running}
              onChange={(e) =>
                setLevels((cur) =>
                  e.target.checked ? [...cur, l].sort((a, b) => a - b) : cur.filter((x) => x !== l),
                )
              }
            />
            {l}
          </label>
        ))}
        <button
          type="button"
          disabled={running}
          data-testid="offline-everything"
          onClick={() => {
            setT0(0);
            setT1(T - 1);
            setLevels(allLevels);
          }}
        >
          everything
        </button>
      </div>
      <div className="dim" data-testid="offline-estimate">
        {!levels.length
          ? "choose at least one level"
          : estimate
            ? `${formatBytes(estimate.bytes)} in ${estimate.ranges} ranges; ${formatBytes(estimate.cachedBytes)} already cached, ${formatBytes(estimate.missingBytes)} to download`
            : "estimating…"}
      </div>
      <div className="row">
        {running ? (
          <button type="button" data-testid="offline-pause" onClick={() => ctrl.current?.abort()}>
            pause
          </button>
        ) : (
          <button
            type="button"
            disabled={!levels.length}
            data-testid="offline-start"
            onClick={() => void start(phase === "paused")}
          >
            {phase === "paused" ? "resume" : "download"}
          </button>
        )}
        <span data-testid="offline-status" data-phase={phase}>
          {phase === "running" && `downloading… ${pct ?? 0}%`}
          {phase === "paused" && `paused at ${pct ?? 0}%`}
          {(phase === "done" || phase === "failed") && message}
        </span>
      </div>
      {(running || phase === "paused") && (
        <div className="progress-bar determinate" data-testid="offline-progress">
          <div style={{ width: `${pct ?? 0}%` }} />
        </div>
      )}
      {cache && <CacheManagerPanel cache={cache} version={version} />}
    </section>
  );
}

function clamp(v: number, T: number): number {
  return Number.isFinite(v) ? Math.min(T - 1, Math.max(0, Math.floor(v))) : 0;
}
