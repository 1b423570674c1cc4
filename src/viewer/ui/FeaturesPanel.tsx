/**
 * Feature queries (type / property condition / time range / clip box) through
 * ds.features, with results listed and drawn as boxes. Rendered only when the
 * dataset offers a feature API.
 */
import { useRef, useState } from "react";
import type { Vec3 } from "../../shared/types";
import type { FeatureHit, FeatureQuery } from "../data/viewer-types";
import type { ViewerEngine } from "../stream/engine";
import { formatNumber } from "./use-engine";

const OPS = ["=", "!=", ">", "<", ">=", "<="];

export function FeaturesPanel({ engine }: { engine: ViewerEngine }) {
  const features = engine.ds.features;
  const [type, setType] = useState("");
  const [prop, setProp] = useState("");
  const [op, setOp] = useState(">");
  const [value, setValue] = useState("");
  const [scope, setScope] = useState<"step" | "all">("step");
  const [inClip, setInClip] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [hits, setHits] = useState<FeatureHit[]>();
  const ctrl = useRef<AbortController>(undefined);
  if (!features) return null;

  const run = async () => {
    ctrl.current?.abort();
    const c = new AbortController();
    ctrl.current = c;
    const info = engine.info;
    const q: FeatureQuery = { where: [] };
    if (type.trim()) q.where!.push(["type", "=", type.trim()]);
    if (prop.trim() && value.trim()) {
      const n = Number(value);
      q.where!.push([prop.trim(), op, Number.isFinite(n) ? n : value.trim()]);
    }
    if (scope === "step") {
      const tv = info.times[engine.state.t];
      q.time = [tv, tv];
    }
    if (inClip) {
      const cl = engine.state.clip;
      q.box = {
        min: cl.min.map((v, i) => Math.floor(v * info.dims[i])) as Vec3,
        max: cl.max.map((v, i) => Math.ceil(v * info.dims[i])) as Vec3,
      };
    }
    setBusy(true);
    setError(undefined);
    try {
      const r = await features(q, c.signal);
      setHits(r);
      engine.setFeatureBoxes(r.map((h) => h.box));
    } catch (e) {
      if (!c.signal.aborted) setError(e instanceof Error ? e.message : String(e));
    } finally {
      if (ctrl.current === c) setBusy(false);
    }
  };

  return (
    <section className="panel" data-testid="features-panel">
      <h2>Features</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <label className="row">
          type
          <input value={type} onChange={(e) => setType(e.target.value)} placeholder="any" />
        </label>
        <div className="row">
          <input value={prop} onChange={(e) => setProp(e.target.value)} placeholder="property" size={8} />
          <select value={op} onChange={(e) => setOp(e.target.value)} aria-label="operator">
            {OPS.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
          <input value={value} onChange={(e) => setValue(e.target.value)} placeholder="value" size={6} />
        </div>
        <div className="row">
          <select
            value={scope}
            onChange={(e) => setScope(e.target.value as "step" | "all")}
            aria-label="time scope"
          >
            <option value="step">this timestep</option>
            <option value="all">all time</option>
          </select>
          <label>
            <input type="checkbox" checked={inClip} onChange={(e) => setInClip(e.target.checked)} /> in clip
            box
          </label>
          <button type="submit" disabled={busy}>
            {busy ? "querying…" : "query"}
          </button>
        </div>
      </form>
      {error && <div className="error-text">{error}</div>}
      {hits && (
        <div className="feature-list">
          <div className="dim">{hits.length} features</div>
          <ul>
            {hits.slice(0, 200).map((h) => (
              <li key={String(h.id)}>
                <b>#{String(h.id)}</b> {h.type}{" "}
                <span className="dim">t {h.time.map(formatNumber).join("–")}</span>
                <div className="dim">
                  {Object.entries(h.properties)
                    .slice(0, 4)
                    .map(([k, v]) => `${k}=${typeof v === "number" ? formatNumber(v) : String(v)}`)
                    .join(", ")}
                </div>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
