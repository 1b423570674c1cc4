/**
 * Values over time at the picked voxel (or a small box around it), plotted
 * with uPlot; CSV download. The values come from `ds.probe` (the file's probe
 * index when it has one, else one region read per timestep).
 */
import { useEffect, useRef, useState } from "react";
import { csvField } from "../../shared/npy-write";
import type { Vec3 } from "../../shared/types";
import type { ViewerEngine } from "../stream/engine";
import { download as saveFile } from "./capture";
import { seriesPlot } from "./series-plot";

interface Series {
  key: string;
  field: string;
  box: { min: Vec3; max: Vec3 };
  times: number[];
  mean: number[];
  source: string;
}

/** Box of edge `edge` (odd) centred on `ijk`, clipped to the grid. */
export function probeBox(ijk: Vec3, edge: number, dims: Vec3): { min: Vec3; max: Vec3 } {
  const h = (edge - 1) >> 1;
  const min = ijk.map((v, i) => Math.max(0, Math.min(v - h, dims[i] - 1))) as Vec3;
  const max = ijk.map((v, i) => Math.min(dims[i], v + h + 1)) as Vec3;
  return { min, max };
}

export function probeCsv(s: Series, timeUnits: string): string {
  const head = `t,time${timeUnits ? ` (${timeUnits})` : ""},${s.field}`;
  const lines = [head.split(",").map(csvField).join(",")];
  for (let t = 0; t < s.times.length; t++) lines.push(`${t},${s.times[t]},${s.mean[t]}`);
  return `${lines.join("\n")}\n`;
}

export function ProbePlot({ engine }: { engine: ViewerEngine }) {
  const pick = engine.pick.result;
  const [edge, setEdge] = useState(1);
  const [series, setSeries] = useState<Series | undefined>();
  const [error, setError] = useState<string | undefined>();
  const host = useRef<HTMLDivElement>(null);
  const probe = engine.ds.probe;
  const key = pick ? `${pick.field}|${pick.ijk.join(",")}|${edge}` : "";

  // biome-ignore lint/correctness/useExhaustiveDependencies: the key names everything the probe depends on
  useEffect(() => {
    if (!pick || !probe) return;
    const ac = new AbortController();
    const box = probeBox(pick.ijk, edge, engine.info.dims);
    setError(undefined);
    probe(pick.field, box, ac.signal).then(
      (r) =>
        setSeries({
          key,
          field: pick.field,
          box,
          times: r.times,
          mean: Array.from(r.mean),
          source: r.source,
        }),
      (e: Error) => {
        if (!ac.signal.aborted) setError(e.message);
      },
    );
    return () => ac.abort();
  }, [key]);

  useEffect(() => {
    const el = host.current;
    if (!el || !series || series.key !== key) return;
    const plot = seriesPlot(
      el,
      { xName: engine.info.timeUnits || "time", field: series.field, colour: "#4fc3f7" },
      series.times,
      series.mean,
    );
    return () => plot.destroy();
  }, [series, key, engine.info.timeUnits]);

  if (!pick) return null;
  const current = series && series.key === key ? series : undefined;
  const download = () => {
    if (!current) return;
    const blob = new Blob([probeCsv(current, engine.info.timeUnits)], { type: "text/csv" });
    saveFile(blob, `probe-${current.field}-${current.box.min.join("_")}.csv`);
  };
  return (
    <section className="panel" data-testid="probe-plot">
      <h2>Over time</h2>
      {!probe ? (
        <div className="dim">not available for this dataset</div>
      ) : (
        <>
          <label>
            box{" "}
            <select
              aria-label="probe box size"
              data-testid="probe-edge"
              value={edge}
              onChange={(e) => setEdge(Number(e.target.value))}
            >
              <option value={1}>1 voxel</option>
              <option value={3}>3³ mean</option>
              <option value={5}>5³ mean</option>
            </select>
          </label>{" "}
          <button type="button" onClick={download} disabled={!current} data-testid="probe-csv">
            CSV
          </button>
          <div ref={host} data-testid="probe-chart" />
          {error && <div className="error">{error}</div>}
          {current && (
            <div
              className="dim small"
              data-testid="probe-data"
              data-values={JSON.stringify(current.mean)}
              data-box={JSON.stringify(current.box)}
            >
              {current.times.length} steps from{" "}
              {current.source === "probe-index" ? "the probe index" : "bricks"}
            </div>
          )}
        </>
      )}
    </section>
  );
}
