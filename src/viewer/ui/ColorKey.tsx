/**
 * The colour key drawn over the canvas: a colorbar (scalar fields: field
 * name, units, scale, ticks placed by the window's scale) or a material
 * legend (categorical fields: swatches outlined so dark colours show on the
 * dark background; clicking an entry hides or shows that material).
 */
import type { Material } from "../../shared/palette";
import { colormapGradient } from "../render/colormaps";
import { effectiveWindow, type ScaleSpec, scaleTicks, windowPosition } from "../render/transfer-function";
import { defaultMaterialColor } from "../render/voxel-mesher";
import type { ViewerEngine } from "../stream/engine";
import { formatNumber } from "./use-engine";

/** The engine's scale spec for the current window, once the field's range is known. */
export function scaleSpecOf(engine: ViewerEngine): ScaleSpec | undefined {
  const st = engine.state;
  const win = st.window ?? engine.fieldRange();
  return win ? { scale: st.scale, window: win, linthresh: st.linthresh } : undefined;
}

/** Materials of a categorical field: the dataset's palette, or the values seen so far; edited colours applied. */
export function materialList(engine: ViewerEngine): Material[] {
  const field = engine.field;
  const base = engine.materials.length
    ? engine.materials
    : [...engine.materialsSeen]
        .filter((v) => v !== field.fill)
        .sort((a, b) => a - b)
        .map((v) => ({ value: v, name: `material ${v}`, color: defaultMaterialColor(v) }));
  const edits = engine.state.palette ?? {};
  return base.map((m) => (edits[m.value] ? { ...m, color: edits[m.value] } : m));
}

export function Colorbar({ engine }: { engine: ViewerEngine }) {
  const spec = scaleSpecOf(engine);
  const field = engine.field;
  if (!spec) return null;
  const st = engine.state;
  const [lo, hi] = effectiveWindow(spec);
  const ticks = scaleTicks(spec, 5);
  return (
    <figure
      className="colorbar"
      data-testid="colorbar"
      data-window={`${lo},${hi}`}
      aria-label={`Colour scale of ${field.name}`}
    >
      <figcaption>
        <span className="cb-field">{field.name}</span>
        {field.units && <span className="cb-units"> [{field.units}]</span>}
        {st.scale !== "linear" && <span className="cb-scale"> · {st.scale}</span>}
      </figcaption>
      <div className="cb-bar" style={{ background: colormapGradient(st.colormap, st.invert) }} />
      <div className="cb-ticks">
        {ticks.map((v) => {
          const x = windowPosition(v, spec);
          if (!(x >= -1e-9 && x <= 1 + 1e-9)) return null;
          return (
            <span
              key={v}
              className="cb-tick"
              data-testid="colorbar-tick"
              data-value={v}
              data-pos={x}
              style={{ left: `${x * 100}%` }}
            >
              {formatNumber(v)}
            </span>
          );
        })}
      </div>
      {st.scale === "log" && !(spec.window[0] > 0) && (
        <div className="cb-note">values ≤ 0 shown as below {formatNumber(lo)}</div>
      )}
    </figure>
  );
}

export function MaterialLegend({ engine }: { engine: ViewerEngine }) {
  const list = materialList(engine);
  const hidden = engine.state.hidden;
  if (!list.length) return null;
  return (
    <ul className="legend" data-testid="legend" aria-label={`Materials of ${engine.field.name}`}>
      {list.map((m) => {
        const shown = !hidden.includes(m.value);
        return (
          <li key={m.value}>
            <button
              type="button"
              className={`legend-entry${shown ? "" : " off"}`}
              data-testid="legend-entry"
              data-value={m.value}
              aria-pressed={shown}
              title={shown ? `hide ${m.name}` : `show ${m.name}`}
              onClick={() =>
                engine.setState({
                  hidden: shown ? [...hidden, m.value] : hidden.filter((h) => h !== m.value),
                })
              }
            >
              <span className="swatch" style={{ background: `rgb(${m.color.join(",")})` }} />
              {m.name}
            </button>
          </li>
        );
      })}
    </ul>
  );
}

export function ColorKey({ engine }: { engine: ViewerEngine }) {
  return engine.field.kind === "scalar" ? <Colorbar engine={engine} /> : <MaterialLegend engine={engine} />;
}
