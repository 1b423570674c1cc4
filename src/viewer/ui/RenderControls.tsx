/**
 * Field, render mode, colormap (inverted or not), value scale, window (with
 * window/level on the histogram), transfer function over the histogram,
 * isovalue, clip box, material visibility and colours.
 */
import { useState } from "react";
import type { Vec3 } from "../../shared/types";
import { COLORMAP_GROUPS, COLORMAPS, type ColormapName, colormapInfo } from "../render/colormaps";
import { defaultLinthresh, VALUE_SCALES, type ValueScale } from "../render/transfer-function";
import type { RenderMode } from "../render/volume-layer";
import type { ViewerEngine } from "../stream/engine";
import { materialList, scaleSpecOf } from "./ColorKey";
import { type Choice, ChoiceSelect } from "./controls";
import { displayColumns, useHistogram } from "./histogram";
import { NumberField } from "./NumberField";
import { TF_W, TransferFunctionEditor } from "./TransferFunctionEditor";
import { formatNumber } from "./use-engine";
import { WindowLevelBar } from "./WindowLevelBar";

const hex = (c: [number, number, number]) => `#${c.map((x) => x.toString(16).padStart(2, "0")).join("")}`;
const fromHex = (s: string): [number, number, number] => {
  const n = Number.parseInt(s.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
};

const AXES = ["x", "y", "z"];

const MODES: Choice<RenderMode>[] = [
  { value: "composite", label: "composite" },
  { value: "mip", label: "maximum intensity" },
  { value: "iso", label: "isosurface" },
];

const SCALES: Choice<ValueScale>[] = VALUE_SCALES.map((v) => ({
  value: v,
  label: v === "log" ? "log₁₀" : v,
}));

export function RenderControls({ engine }: { engine: ViewerEngine }) {
  const st = engine.state;
  const info = engine.info;
  const field = engine.field;
  const range = engine.fieldRange();
  const win = st.window ?? range;
  const set = engine.setState.bind(engine);
  const [windowProblem, setWindowProblem] = useState<string>();
  const setClip = (which: "min" | "max", axis: number, v: number) => {
    const clip = { min: [...st.clip.min] as Vec3, max: [...st.clip.max] as Vec3 };
    clip[which][axis] = v;
    if (clip.min[axis] >= clip.max[axis]) return;
    set({ clip });
  };
  const materials = field.kind === "scalar" ? [] : materialList(engine);
  const spec = field.kind === "scalar" ? scaleSpecOf(engine) : undefined;
  const hist = useHistogram(engine, spec);
  return (
    <section className="panel">
      <h2>View</h2>
      <ChoiceSelect
        row="field"
        testId="field-select"
        value={field.name}
        choices={info.fields.map((f) => ({ value: f.name, label: `${f.name} (${f.kind})` }))}
        onChange={(name) => set({ field: name, window: undefined, iso: undefined })}
      />
      {field.kind === "scalar" ? (
        <>
          <ChoiceSelect
            row="mode"
            testId="mode-select"
            value={st.mode}
            choices={MODES}
            onChange={(mode) => set({ mode })}
          />
          <label className="row">
            colormap
            <select
              data-testid="colormap-select"
              value={st.colormap}
              onChange={(e) => set({ colormap: e.target.value as ColormapName })}
            >
              {COLORMAP_GROUPS.map((g) => (
                <optgroup key={g.group} label={g.title}>
                  {COLORMAPS.filter((c) => colormapInfo(c).group === g.group).map((c) => (
                    <option key={c} value={c}>
                      {colormapInfo(c).label}
                    </option>
                  ))}
                </optgroup>
              ))}
            </select>
          </label>
          <label className="row">
            <input
              type="checkbox"
              data-testid="invert-colormap"
              checked={st.invert}
              onChange={(e) => set({ invert: e.target.checked })}
            />
            invert colormap
          </label>
          <ChoiceSelect
            row="scale"
            testId="scale-select"
            value={st.scale}
            choices={SCALES}
            onChange={(scale) => set({ scale })}
          />
          {st.scale === "symlog" && win && (
            <div className="row">
              linear within ±
              <NumberField
                label="symlog linear threshold"
                testId="linthresh"
                value={st.linthresh ?? defaultLinthresh(win)}
                format={formatNumber}
                check={(v) => (v > 0 ? undefined : "the threshold must be positive")}
                onCommit={(v) => set({ linthresh: v })}
                onProblem={setWindowProblem}
              />
            </div>
          )}
          {win && (
            <div className="row">
              window
              <NumberField
                label="window low"
                value={win[0]}
                format={formatNumber}
                check={(v) => (v < win[1] ? undefined : `the low end must be below ${formatNumber(win[1])}`)}
                onCommit={(v) => set({ window: [v, win[1]] })}
                onProblem={setWindowProblem}
              />
              <NumberField
                label="window high"
                value={win[1]}
                format={formatNumber}
                check={(v) => (v > win[0] ? undefined : `the high end must be above ${formatNumber(win[0])}`)}
                onCommit={(v) => set({ window: [win[0], v] })}
                onProblem={setWindowProblem}
              />
              {field.units && <span className="dim">{field.units}</span>}
            </div>
          )}
          <WindowLevelBar engine={engine} />
          {windowProblem && (
            <div className="error-text" data-testid="window-error">
              {windowProblem}
            </div>
          )}
          {st.mode === "iso" && win ? (
            <label className="row">
              iso
              <input
                type="range"
                data-testid="iso-slider"
                min={win[0]}
                max={win[1]}
                step={(win[1] - win[0]) / 200}
                value={st.iso ?? (win[0] + win[1]) / 2}
                onChange={(e) => set({ iso: Number(e.target.value) })}
              />
              <span className="num">{formatNumber(st.iso ?? (win[0] + win[1]) / 2)}</span>
            </label>
          ) : (
            <div
              className="tf-with-histogram"
              data-testid="tf-histogram"
              data-query={hist.query ? JSON.stringify(hist.query) : undefined}
              data-bins={hist.result ? Array.from(hist.result.histogram).join(",") : undefined}
            >
              <TransferFunctionEditor
                colormap={st.colormap}
                invert={st.invert}
                ramp={st.ramp}
                onChange={(ramp) => set({ ramp })}
                histogram={
                  hist.result && spec ? displayColumns(hist.result, spec, Math.floor(TF_W / 2)) : undefined
                }
              />
              {hist.query && (
                <div className="dim small">
                  histogram: level {hist.query.level}
                  {hist.result ? `, ${hist.result.count.toLocaleString()} voxels` : " …"}
                  {hist.error && <span className="error-text"> ({hist.error})</span>}
                </div>
              )}
            </div>
          )}
        </>
      ) : (
        <div className="materials" data-testid="materials">
          <h3>Materials</h3>
          {materials.length === 0 && <div className="dim">none seen yet</div>}
          {materials.map((m) => (
            <div key={m.value} className="material">
              <input
                type="checkbox"
                aria-label={`show ${m.name}`}
                checked={!st.hidden.includes(m.value)}
                onChange={(e) =>
                  set({
                    hidden: e.target.checked
                      ? st.hidden.filter((h) => h !== m.value)
                      : [...st.hidden, m.value],
                  })
                }
              />
              <input
                type="color"
                className="swatch-input"
                data-testid="material-color"
                aria-label={`colour of ${m.name}`}
                value={hex(m.color)}
                onChange={(e) => set({ palette: { ...st.palette, [m.value]: fromHex(e.target.value) } })}
              />
              {m.name}
            </div>
          ))}
          {st.palette && Object.keys(st.palette).length > 0 && (
            <button type="button" onClick={() => set({ palette: undefined })}>
              reset colours
            </button>
          )}
        </div>
      )}
      <details>
        <summary>Clip box</summary>
        {AXES.map((a, i) => (
          <div className="row clip" key={a}>
            {a}
            {(["min", "max"] as const).map((end) => (
              <input
                key={end}
                type="range"
                min={0}
                max={1}
                step={0.01}
                aria-label={`clip ${a} ${end}`}
                value={st.clip[end][i]}
                onChange={(e) => setClip(end, i, Number(e.target.value))}
              />
            ))}
          </div>
        ))}
        <button type="button" onClick={() => set({ clip: { min: [0, 0, 0], max: [1, 1, 1] } })}>
          reset clip
        </button>
      </details>
    </section>
  );
}
