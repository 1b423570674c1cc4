/** 3D only / slices only / 2×2: which views the stage shows (kept in the link as `layout=`). */
import type { Layout } from "../app/view-state";
import type { ViewerEngine } from "../stream/engine";

const LABELS: Record<Layout, string> = { "3d": "3D", slices: "slices", "2x2": "2×2" };

export function LayoutSwitch({ engine }: { engine: ViewerEngine }) {
  const layout = engine.state.layout;
  return (
    <fieldset className="layout-switch">
      <legend>layout</legend>
      {(Object.keys(LABELS) as Layout[]).map((l) => (
        <button
          key={l}
          type="button"
          aria-pressed={layout === l}
          data-testid={`layout-${l}`}
          onClick={() => engine.setState({ layout: l })}
        >
          {LABELS[l]}
        </button>
      ))}
    </fieldset>
  );
}
