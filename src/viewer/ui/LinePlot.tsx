/**
 * Plot over a line: the values of the shown field along the segment between
 * two picked voxels (voxel centre to voxel centre) at the current timestep,
 * one sample per level-0 voxel step, against world distance; CSV download.
 * The ends are taken from the current pick ("Start here" / "End here") and
 * drawn in the slice panes (src/viewer/ui/line-ends.ts); the
 * values come from the reader's `sampleLine` (only the bricks the segment
 * crosses), re-read when the timestep or field changes.
 */
import { useEffect, useRef, useState } from "react";
import { csvField } from "../../shared/npy-write";
import type { Vec3 } from "../../shared/types";
import type { ViewerEngine } from "../stream/engine";
import { download as saveFile } from "./capture";
import { setLineEnds, useLineEnds } from "./line-ends";
import { seriesPlot } from "./series-plot";

export interface LineSeries {
  key: string;
  field: string;
  t: number;
  from: Vec3;
  to: Vec3;
  distance: number[];
  /** Level-0 voxel of each sample, flat ijk. */
  voxels: number[];
  values: number[];
  bricks: number;
}

/** CSV of a line plot: distance (with units), the sample voxel, the value. */
export function lineCsv(s: LineSeries, spaceUnits: string): string {
  const head = [`distance${spaceUnits ? ` (${spaceUnits})` : ""}`, "i", "j", "k", s.field];
  const lines = [head.map(csvField).join(",")];
  for (let n = 0; n < s.values.length; n++)
    lines.push(
      `${s.distance[n]},${s.voxels[n * 3]},${s.voxels[n * 3 + 1]},${s.voxels[n * 3 + 2]},${s.values[n]}`,
    );
  return `${lines.join("\n")}\n`;
}

const centre = (ijk: Vec3): Vec3 => [ijk[0] + 0.5, ijk[1] + 0.5, ijk[2] + 0.5];

export function LinePlot({ engine }: { engine: ViewerEngine }) {
  const pick = engine.pick.result;
  const { start, end } = useLineEnds(engine);
  const [series, setSeries] = useState<LineSeries | undefined>();
  const [error, setError] = useState<string | undefined>();
  const host = useRef<HTMLDivElement>(null);
  const sampleLine = engine.ds.sampleLine;
  const field = engine.field.name;
  const t = engine.state.t;
  const key = start && end ? `${field}|${t}|${start.join(",")}|${end.join(",")}` : "";

  // biome-ignore lint/correctness/useExhaustiveDependencies: the key names everything the line depends on
  useEffect(() => {
    if (!start || !end || !sampleLine) return;
    const ac = new AbortController();
    setError(undefined);
    sampleLine(field, t, centre(start), centre(end), ac.signal).then(
      (r) =>
        setSeries({
          key,
          field,
          t,
          from: start,
          to: end,
          distance: Array.from(r.distance),
          voxels: Array.from(r.voxels),
          values: Array.from(r.values),
          bricks: r.bricks,
        }),
      (e: Error) => {
        if (!ac.signal.aborted) setError(e.message);
      },
    );
    return () => ac.abort();
  }, [key]);

  const units = engine.info.spaceUnits;
  useEffect(() => {
    const el = host.current;
    if (!el || !series || series.key !== key) return;
    const plot = seriesPlot(
      el,
      {
        xName: "distance",
        xLabel: `distance${units ? ` (${units})` : ""}`,
        field: series.field,
        colour: "#ffb74d",
        points: series.values.length < 64,
      },
      series.distance,
      series.values,
    );
    return () => plot.destroy();
  }, [series, key, units]);

  if (!pick && !start && !end) return null;
  const current = series && series.key === key ? series : undefined;
  const download = () => {
    if (!current) return;
    const blob = new Blob([lineCsv(current, units)], { type: "text/csv" });
    saveFile(
      blob,
      `line-${current.field}-t${current.t}-${current.from.join("_")}-${current.to.join("_")}.csv`,
    );
  };
  const end3 = (label: string, v: Vec3 | undefined, testId: string) => (
    <span data-testid={testId} className="small">
      {label} {v ? v.join(", ") : "—"}
    </span>
  );
  return (
    <section className="panel" data-testid="line-plot" aria-label="Plot over a line">
      <h2>Along a line</h2>
      {!sampleLine ? (
        <div className="dim">not available for this dataset</div>
      ) : (
        <>
          <div>
            <button
              type="button"
              data-testid="line-set-start"
              aria-label="Start here: line start at the picked voxel"
              disabled={!pick}
              onClick={() => pick && setLineEnds(engine, { start: [...pick.ijk] as Vec3 })}
            >
              Start here
            </button>{" "}
            <button
              type="button"
              data-testid="line-set-end"
              aria-label="End here: line end at the picked voxel"
              disabled={!pick}
              onClick={() => pick && setLineEnds(engine, { end: [...pick.ijk] as Vec3 })}
            >
              End here
            </button>{" "}
            <button
              type="button"
              data-testid="line-csv"
              aria-label="CSV of the line's values"
              onClick={download}
              disabled={!current}
            >
              CSV
            </button>{" "}
            <button
              type="button"
              data-testid="line-clear"
              aria-label="Clear the line"
              disabled={!start && !end}
              onClick={() => {
                setLineEnds(engine, null);
                setSeries(undefined);
              }}
            >
              Clear
            </button>
          </div>
          <div>
            {end3("from", start, "line-start")} {end3("to", end, "line-end")}
          </div>
          {!start || !end ? (
            <div className="dim small">pick a voxel, “Start here”; pick another, “End here”</div>
          ) : null}
          <div ref={host} data-testid="line-chart" />
          {error && <div className="error">{error}</div>}
          {current && (
            <div
              className="dim small"
              data-testid="line-data"
              data-t={current.t}
              data-field={current.field}
              data-values={JSON.stringify(current.values)}
              data-distance={JSON.stringify(current.distance)}
              data-voxels={JSON.stringify(current.voxels)}
            >
              {current.values.length} samples at step {current.t} from {current.bricks} brick
              {current.bricks === 1 ? "" : "s"}
            </div>
          )}
        </>
      )}
    </section>
  );
}
