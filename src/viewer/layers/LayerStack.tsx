/**
 * Extra layers in the 3D view. Each visible layer is a second engine over the
 * same dataset for its own field and colormap, drawn on a canvas stacked over
 * the main one and following its camera, timestep and clip box. The stacked
 * canvas blends with `lighten` (its empty background, the same colour as the
 * main view's, leaves what is below unchanged) at the layer's opacity; a
 * hidden layer is not drawn at all, so the view is exactly the layers below.
 */
import { useEffect, useRef } from "react";
import type { LayerSpec, ViewState } from "../app/view-state";
import { DEFAULT_BUDGETS, ViewerEngine } from "../stream/engine";
import { useEngine } from "../ui/use-engine";
import "./layers.css";

/** Engines of the layers on screen, for scripting and tests (`window.__flatvoxLayers`). */
const live = new Set<ViewerEngine>();
let fixedResolution: number | undefined;

export const layerHook = {
  engines: (): ViewerEngine[] => [...live],
  /** Resolves when every layer's engine has drawn everything its view needs. */
  whenIdle: async (): Promise<void> => {
    await Promise.all([...live].map((e) => e.whenIdle()));
  },
  /** Fix the layers' render resolution (as the main view's test hook does). */
  setResolution(r: number | undefined): void {
    fixedResolution = r;
    for (const e of live) e.viewport.fixResolution(r);
  },
};

if (typeof window !== "undefined")
  (window as unknown as { __flatvoxLayers: typeof layerHook }).__flatvoxLayers = layerHook;

export function LayerStack({ base }: { base: ViewerEngine }) {
  useEngine(base);
  return (
    <div className="layer-stack">
      {base.state.layers.map((l, i) =>
        l.visible && base.info.fields.some((f) => f.name === l.field) ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: a layer is its position in the list
          <LayerView key={`${i}:${l.field}`} base={base} layer={l} />
        ) : null,
      )}
    </div>
  );
}

/** The part of the main view a layer follows. */
function followed(base: ViewerEngine, colormap: ViewState["colormap"]): Partial<ViewState> {
  const st = base.state;
  return {
    t: st.t,
    clip: st.clip,
    camera: base.cameraState(),
    colormap,
    mode: st.mode,
    ramp: st.ramp,
    lodPx: st.lodPx,
  };
}

function LayerView({ base, layer }: { base: ViewerEngine; layer: LayerSpec }) {
  const host = useRef<HTMLDivElement>(null);
  const engine = useRef<ViewerEngine | undefined>(undefined);
  const { field, colormap } = layer;
  const firstColormap = useRef(colormap);
  useEffect(() => {
    if (!host.current) return;
    const e = new ViewerEngine(
      host.current,
      base.ds,
      {
        ...base.state,
        ...followed(base, firstColormap.current),
        field,
        window: undefined,
        iso: undefined,
        hidden: [],
        selection: undefined,
        layers: [],
      },
      { cpuBytes: DEFAULT_BUDGETS.cpuBytes / 2, gpuBytes: DEFAULT_BUDGETS.gpuBytes / 2 },
    );
    if (fixedResolution !== undefined) e.viewport.fixResolution(fixedResolution);
    engine.current = e;
    live.add(e);
    let last = "";
    const follow = () => {
      const p = followed(base, e.state.colormap);
      const k = JSON.stringify(p);
      if (k === last) return;
      last = k;
      e.setState(p);
    };
    follow();
    const off = base.subscribe(follow);
    const offState = base.onState(follow);
    return () => {
      off();
      offState();
      live.delete(e);
      engine.current = undefined;
      e.dispose();
    };
  }, [base, field]);
  useEffect(() => {
    engine.current?.setState({ colormap });
  }, [colormap]);
  return (
    <div
      className="layer-view"
      ref={host}
      data-testid={`layer-view-${layer.field}`}
      style={{ opacity: layer.opacity }}
    />
  );
}
