/**
 * Feature queries through ds.features: type, property conditions, time range
 * and the clip box; results listed and drawn as boxes; clicking a result
 * focuses it (camera, timestep) and draws its track (ds.track) as a polyline
 * through its centroids over time. Rendered only when the dataset has features.
 */
import { useRef, useState } from "react";
import type { Vec3 } from "../../shared/types";
import type { FeatureHit, FeatureQuery, TrackInfo } from "../data/viewer-types";
import type { ViewerEngine } from "../stream/engine";
import { ChoiceSelect, plainChoices, TextInput } from "./controls";
import { formatNumber } from "./use-engine";

const OPS = ["=", "!=", ">", "<", ">=", "<="] as const;
type Op = (typeof OPS)[number];
const OP_CHOICES = plainChoices(OPS);
type Scope = "step" | "range" | "all";

interface Condition {
  prop: string;
  op: Op;
  value: string;
}

/** A typed value from a form field: numbers stay numbers, quoted text stays text. */
export function parseValue(text: string): string | number | boolean {
  const t = text.trim();
  if (/^(["']).*\1$/.test(t)) return t.slice(1, -1);
  if (t === "true" || t === "false") return t === "true";
  const n = Number(t);
  return t !== "" && Number.isFinite(n) ? n : t;
}

/** The query the form describes (exported for tests and scripting). */
export function buildFeatureQuery(
  f: {
    type: string;
    conditions: Condition[];
    scope: Scope;
    t0: string;
    t1: string;
    inClip: boolean;
    limit: string;
  },
  ctx: { time: number; clip: { min: Vec3; max: Vec3 }; dims: Vec3 },
): FeatureQuery {
  const q: FeatureQuery = { where: [] };
  if (f.type.trim()) q.where!.push(["type", "=", f.type.trim()]);
  for (const c of f.conditions)
    if (c.prop.trim() && c.value.trim()) q.where!.push([c.prop.trim(), c.op, parseValue(c.value)]);
  if (f.scope === "step") q.time = [ctx.time, ctx.time];
  else if (f.scope === "range") {
    const a = Number(f.t0);
    const b = Number(f.t1);
    if (Number.isFinite(a) && Number.isFinite(b)) q.time = [Math.min(a, b), Math.max(a, b)];
  }
  if (f.inClip) {
    q.box = {
      min: ctx.clip.min.map((v, i) => Math.floor(v * ctx.dims[i])) as Vec3,
      max: ctx.clip.max.map((v, i) => Math.ceil(v * ctx.dims[i])) as Vec3,
    };
  }
  const lim = Number(f.limit);
  if (f.limit.trim() && Number.isInteger(lim) && lim > 0) q.limit = lim;
  return q;
}

/** Features listed at once (the list grows on request; the count always covers them all). */
const LIST_PAGE = 500;

/** Tracks drawn for a result list at most (each costs a track read). */
const MAX_TRACKS = 24;

export function FeaturesPanel({ engine }: { engine: ViewerEngine }) {
  const { features, track } = engine.ds;
  const info = engine.info;
  const [type, setType] = useState("");
  const [conditions, setConditions] = useState<Condition[]>([{ prop: "", op: ">", value: "" }]);
  const [scope, setScope] = useState<Scope>("step");
  const [t0, setT0] = useState(String(info.times[0] ?? 0));
  const [t1, setT1] = useState(String(info.times[info.times.length - 1] ?? 0));
  const [inClip, setInClip] = useState(false);
  const [limit, setLimit] = useState("500");
  const [showTracks, setShowTracks] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [hits, setHits] = useState<FeatureHit[]>();
  /** The limit that cut the result (one more feature matched), if it did. */
  const [cutAt, setCutAt] = useState<number>();
  const [listed, setListed] = useState(LIST_PAGE);
  const [focus, setFocus] = useState<number>();
  const [focusTrack, setFocusTrack] = useState<TrackInfo>();
  const [tracksDrawn, setTracksDrawn] = useState<number>();
  const [tracksFailed, setTracksFailed] = useState(0);
  const ctrl = useRef<AbortController>(undefined);
  if (!features) return null;

  const drawOverlay = (list: FeatureHit[], f: number | undefined, tracks: TrackInfo[]) => {
    engine.setFeatureOverlay({
      boxes: list.map((h) => ({ ...h.box, timestep: h.timestep })),
      focus: f,
      tracks: tracks.map((tr) => ({
        points: tr.trajectory.map((p) => p.centroid),
        timesteps: tr.trajectory.map((p) => p.timestep),
      })),
    });
  };

  const loadTracks = async (list: FeatureHit[], signal: AbortSignal): Promise<TrackInfo[]> => {
    if (!track || !showTracks) return [];
    const ids = [...new Set(list.map((h) => h.track).filter((id) => id >= 0))].slice(0, MAX_TRACKS);
    let failed = 0;
    const out = await Promise.all(
      ids.map((id) =>
        track(id, signal).catch(() => {
          failed++;
          return undefined;
        }),
      ),
    );
    setTracksFailed(failed);
    return out.filter((t): t is TrackInfo => !!t && t.trajectory.length > 1);
  };

  const run = async () => {
    ctrl.current?.abort();
    const c = new AbortController();
    ctrl.current = c;
    const q = buildFeatureQuery(
      { type, conditions, scope, t0, t1, inClip, limit },
      { time: info.times[engine.state.t], clip: engine.state.clip, dims: info.dims },
    );
    setBusy(true);
    setError(undefined);
    setFocus(undefined);
    setFocusTrack(undefined);
    setTracksDrawn(undefined);
    try {
      // Ask for one more than the limit: whether the limit cut the result is then known, not guessed.
      const all = await features(q.limit === undefined ? q : { ...q, limit: q.limit + 1 }, c.signal);
      if (c.signal.aborted) return;
      const cut = q.limit !== undefined && all.length > q.limit;
      const r = cut ? all.slice(0, q.limit) : all;
      setCutAt(cut ? q.limit : undefined);
      setListed(LIST_PAGE);
      setHits(r);
      drawOverlay(r, undefined, []);
      const tracks = await loadTracks(r, c.signal);
      if (!c.signal.aborted) {
        drawOverlay(r, undefined, tracks);
        setTracksDrawn(tracks.length);
      }
    } catch (e) {
      if (!c.signal.aborted) setError(e instanceof Error ? e.message : String(e));
    } finally {
      if (ctrl.current === c) setBusy(false);
    }
  };

  const focusOn = async (i: number) => {
    if (!hits) return;
    const h = hits[i];
    setFocus(i);
    engine.focusBox(h.box);
    if (h.timestep >= 0 && h.timestep < info.times.length) engine.setState({ t: h.timestep });
    let tr: TrackInfo | undefined;
    if (track && h.track >= 0) tr = await track(h.track).catch(() => undefined);
    setFocusTrack(tr);
    drawOverlay(hits, i, tr ? [tr] : []);
  };

  const setCond = (i: number, patch: Partial<Condition>) =>
    setConditions(conditions.map((c, k) => (k === i ? { ...c, ...patch } : c)));

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
          <TextInput value={type} onValue={setType} placeholder="any" testId="feature-type" />
        </label>
        {conditions.map((c, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity beyond their position
          <div className="row" key={i}>
            <TextInput
              value={c.prop}
              onValue={(prop) => setCond(i, { prop })}
              placeholder="property"
              size={8}
              testId="feature-prop"
            />
            <ChoiceSelect
              value={c.op}
              choices={OP_CHOICES}
              onChange={(op) => setCond(i, { op })}
              label="operator"
              testId="feature-op"
            />
            <TextInput
              value={c.value}
              onValue={(value) => setCond(i, { value })}
              placeholder="value"
              size={6}
              testId="feature-value"
            />
            <button
              type="button"
              title="remove this condition"
              onClick={() => setConditions(conditions.filter((_, k) => k !== i))}
            >
              −
            </button>
          </div>
        ))}
        <div className="row">
          <button
            type="button"
            onClick={() => setConditions([...conditions, { prop: "", op: ">", value: "" }])}
            data-testid="feature-add-condition"
          >
            + condition
          </button>
          <label>
            limit
            <input value={limit} onChange={(e) => setLimit(e.target.value)} size={4} />
          </label>
        </div>
        <div className="row">
          <select
            value={scope}
            onChange={(e) => setScope(e.target.value as Scope)}
            aria-label="time scope"
            data-testid="feature-scope"
          >
            <option value="step">this timestep</option>
            <option value="range">time range</option>
            <option value="all">all time</option>
          </select>
          {scope === "range" && (
            <>
              <input value={t0} onChange={(e) => setT0(e.target.value)} size={5} aria-label="from time" />
              <input value={t1} onChange={(e) => setT1(e.target.value)} size={5} aria-label="to time" />
            </>
          )}
        </div>
        <div className="row">
          <label>
            <input type="checkbox" checked={inClip} onChange={(e) => setInClip(e.target.checked)} /> in clip
            box
          </label>
          <label>
            <input type="checkbox" checked={showTracks} onChange={(e) => setShowTracks(e.target.checked)} />{" "}
            tracks
          </label>
          <button type="submit" disabled={busy} data-testid="feature-run">
            {busy ? "querying…" : "query"}
          </button>
        </div>
      </form>
      {error && <div className="error-text">{error}</div>}
      {hits && (
        <div className="feature-list">
          <div className="dim" data-testid="feature-count">
            {cutAt !== undefined
              ? `first ${hits.length} features (limit ${cutAt}); more match`
              : `${hits.length} features`}
          </div>
          {hits.length > listed && (
            <div className="dim" data-testid="feature-listed">
              listing {listed} of {hits.length}{" "}
              <button type="button" onClick={() => setListed((n) => n + LIST_PAGE)}>
                list {Math.min(LIST_PAGE, hits.length - listed)} more
              </button>
            </div>
          )}
          {tracksDrawn !== undefined && (
            <div className="dim" data-testid="feature-tracks-drawn">
              {tracksDrawn} tracks drawn{tracksFailed ? `, ${tracksFailed} could not be read` : ""} (boxes:
              shown timestep)
            </div>
          )}
          {focusTrack && (
            <div className="dim" data-testid="feature-track">
              track #{focusTrack.id}: steps {focusTrack.birth.timestep}–{focusTrack.death.timestep},{" "}
              {focusTrack.fate}
            </div>
          )}
          <ul>
            {hits.slice(0, listed).map((h, i) => (
              <li key={h.id} className={i === focus ? "focused" : undefined}>
                <button
                  type="button"
                  className="feature-item"
                  data-testid="feature-item"
                  data-id={h.id}
                  onClick={() => void focusOn(i)}
                  title="focus this feature"
                >
                  <b>#{h.id}</b> {h.type} <span className="dim">t {h.time.map(formatNumber).join("–")}</span>
                  <div className="dim">
                    {Object.entries(h.properties)
                      .slice(0, 4)
                      .map(([k, v]) => `${k}=${typeof v === "number" ? formatNumber(v) : String(v)}`)
                      .join(", ")}
                  </div>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
