/** Field, render mode, colormap, window, isovalue, clip box, material visibility. */
import { useState } from "react";
import type { Vec3 } from "../../shared/types";
import { COLORMAPS, type ColormapName } from "../render/colormaps";
import type { RenderMode } from "../render/volume-layer";
import { defaultMaterialColor } from "../render/voxel-mesher";
import type { ViewerEngine } from "../stream/engine";
import { NumberField } from "./NumberField";
import { TransferFunctionEditor } from "./TransferFunctionEditor";
import { formatNumber } from "./use-engine";

const AXES = ["x", "y", "z"];

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
  const materials = engine.materials.length
    ? engine.materials
    : [...engine.materialsSeen]
        .filter((v) => v !== field.fill)
        .sort((a, b) => a - b)
        .map((v) => ({ value: v, name: `material ${v}`, color: defaultMaterialColor(v) }));
  return (
    <section className="panel">
      <h2>View</h2>
      <label className="row">
        field
        <select
          data-testid="field-select"
          value={field.name}
          onChange={(e) => set({ field: e.target.value, window: undefined, iso: undefined })}
        >
          {info.fields.map((f) => (
            <option key={f.name} value={f.name}>
              {f.name} ({f.kind})
            </option>
          ))}
        </select>
      </label>
      {field.kind === "scalar" ? (
        <>
          <label className="row">
            mode
            <select
              data-testid="mode-select"
              value={st.mode}
              onChange={(e) => set({ mode: e.target.value as RenderMode })}
            >
              <option value="composite">composite</option>
              <option value="mip">maximum intensity</option>
              <option value="iso">isosurface</option>
            </select>
          </label>
          <label className="row">
            colormap
            <select
              data-testid="colormap-select"
              value={st.colormap}
              onChange={(e) => set({ colormap: e.target.value as ColormapName })}
            >
              {COLORMAPS.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
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
            <TransferFunctionEditor
              colormap={st.colormap}
              ramp={st.ramp}
              onChange={(ramp) => set({ ramp })}
            />
          )}
        </>
      ) : (
        <div className="materials" data-testid="materials">
          <h3>Materials</h3>
          {materials.length === 0 && <div className="dim">none seen yet</div>}
          {materials.map((m) => (
            <label key={m.value} className="material">
              <input
                type="checkbox"
                checked={!st.hidden.includes(m.value)}
                onChange={(e) =>
                  set({
                    hidden: e.target.checked
                      ? st.hidden.filter((h) => h !== m.value)
                      : [...st.hidden, m.value],
                  })
                }
              />
              <span className="swatch" style={{ background: `rgb(${m.color.join(",")})` }} />
              {m.name}
            </label>
          ))}
        </div>
      )}
      <details>
        <summary>Clip box</summary>
        {AXES.map((a, i) => (
          <div className="row clip" key={a}>
            {a}
            <input
              type="range"
              min={0}
              max={1}
              step={0.01}
              aria-label={`clip ${a} min`}
              value={st.clip.min[i]}
              onChange={(e) => setClip("min", i, Number(e.target.value))}
            />
            <input
              type="range"
              min={0}
              max={1}
              step={0.01}
              aria-label={`clip ${a} max`}
              value={st.clip.max[i]}
              onChange={(e) => setClip("max", i, Number(e.target.value))}
            />
          </div>
        ))}
        <button type="button" onClick={() => set({ clip: { min: [0, 0, 0], max: [1, 1, 1] } })}>
          reset clip
        </button>
      </details>
    </section>
  );
}
