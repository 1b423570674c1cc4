/**
 * The layer list: the main field at the bottom, extra fields over it with
 * their own colormap, opacity and visibility (kept in the link as `layers=`).
 * The slice panes and the 3D view draw every visible layer over the main field.
 */
import type { LayerSpec } from "../app/view-state";
import { COLORMAPS, type ColormapName } from "../render/colormaps";
import type { ViewerEngine } from "../stream/engine";
import "./layers.css";

export function LayersPanel({ engine }: { engine: ViewerEngine }) {
  const st = engine.state;
  const info = engine.info;
  const layers = st.layers;
  const set = (i: number, patch: Partial<LayerSpec>) =>
    engine.setState({ layers: layers.map((l, k) => (k === i ? { ...l, ...patch } : l)) });
  const add = () => {
    const used = new Set([st.field, ...layers.map((l) => l.field)]);
    const f = info.fields.find((x) => !used.has(x.name)) ?? info.fields[0];
    const cm = COLORMAPS.find((c) => c !== st.colormap && !layers.some((l) => l.colormap === c)) ?? "magma";
    engine.setState({ layers: [...layers, { field: f.name, colormap: cm, opacity: 0.7, visible: true }] });
  };
  return (
    <section className="panel layers-panel" data-testid="layers-panel">
      <h2>Layers</h2>
      <div className="muted">
        base: {engine.field.name} ({st.colormap}); layers are drawn over it in the slice panes and the 3D view
      </div>
      {layers.map((l, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a layer is its position in the list
        <div className="layer-row" key={i} data-testid={`layer-${i}`}>
          <input
            type="checkbox"
            checked={l.visible}
            aria-label={`show layer ${i + 1}`}
            data-testid={`layer-visible-${i}`}
            onChange={(e) => set(i, { visible: e.target.checked })}
          />
          <select
            value={l.field}
            aria-label={`layer ${i + 1} field`}
            onChange={(e) => set(i, { field: e.target.value })}
          >
            {info.fields.map((f) => (
              <option key={f.name} value={f.name}>
                {f.name}
              </option>
            ))}
          </select>
          <select
            value={l.colormap}
            aria-label={`layer ${i + 1} colormap`}
            onChange={(e) => set(i, { colormap: e.target.value as ColormapName })}
          >
            {COLORMAPS.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
          <button
            type="button"
            aria-label={`remove layer ${i + 1}`}
            onClick={() => engine.setState({ layers: layers.filter((_, k) => k !== i) })}
          >
            ×
          </button>
          <input
            type="range"
            min={0}
            max={1}
            step={0.05}
            value={l.opacity}
            aria-label={`layer ${i + 1} opacity`}
            onChange={(e) => set(i, { opacity: Number(e.target.value) })}
          />
          <span>{Math.round(l.opacity * 100)}%</span>
        </div>
      ))}
      <button type="button" onClick={add} data-testid="add-layer">
        add layer
      </button>
    </section>
  );
}
