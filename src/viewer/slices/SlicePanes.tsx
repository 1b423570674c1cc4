/**
 * The three linked slice panes (XY, XZ, YZ). Each reads its slice at full
 * resolution (only the brick layer the plane crosses), draws it through the
 * field's colormap and window with the layers over it, and shows a crosshair
 * at the other two planes, world-coordinate axes, and what the slice cost.
 * Stepping: arrow keys, Page Up/Down (10), Home/End, the wheel, the index
 * box. A click moves the other planes there and selects that voxel (the same
 * selection and pick panel as a click in 3D).
 */
import { useEffect, useMemo, useRef, useState } from "react";
import type { Vec3 } from "../../shared/types";
import type { ViewerEngine } from "../stream/engine";
import { useLineEnds } from "../ui/line-ends";
import { formatBytes, formatNumber, useEngine } from "../ui/use-engine";
import { colourSlice, fillBackground } from "./slice-colour";
import { centreVoxel, clampVoxel, niceTicks, PANES, type PaneAxes, worldAxis } from "./slice-geometry";
import { drawLayers } from "./slice-layers";
import { PANE_COLOURS, SlicePlanes } from "./slice-planes";
import { readSlice, type SliceImage } from "./slice-reader";
import "./slices.css";

const AXIS = ["x", "y", "z"];

export function slicePosition(engine: ViewerEngine): Vec3 {
  const d = engine.info.dims;
  return engine.state.slice ? clampVoxel(engine.state.slice, d) : centreVoxel(d);
}

export function SlicePanes(props: { engine: ViewerEngine; planesIn3d: boolean }) {
  const { engine } = props;
  useEngine(engine);
  const pos = slicePosition(engine);
  // The planes in the 3D view.
  const planes = useMemo(() => new SlicePlanes(engine.info), [engine]);
  useEffect(() => {
    engine.viewport.scene.add(planes.group);
    return () => planes.dispose();
  }, [engine, planes]);
  const key = pos.join(",");
  useEffect(() => {
    planes.update(key.split(",").map(Number) as Vec3);
    planes.group.visible = props.planesIn3d;
    engine.viewport.requestFrame();
  }, [engine, planes, key, props.planesIn3d]);
  return (
    <>
      {PANES.map((p, i) => (
        <SlicePane key={p.name} engine={engine} pane={p} pos={pos} colour={PANE_COLOURS[i]} />
      ))}
    </>
  );
}

/** Slices read so far, per field/timestep/pane/index (a few, most recent last). */
const CACHE_SIZE = 24;

function SlicePane(props: { engine: ViewerEngine; pane: PaneAxes; pos: Vec3; colour: string }) {
  const { engine, pane, pos } = props;
  const info = engine.info;
  const dims = info.dims;
  const index = pos[pane.normal];
  const layers = drawLayers(engine);
  const fields = [...new Set(layers.map((l) => l.field))];
  const t = engine.state.t;
  const [images, setImages] = useState<Map<string, SliceImage>>(new Map());
  const [error, setError] = useState<string>();
  const cache = useRef(new Map<string, SliceImage>());
  const canvas = useRef<HTMLCanvasElement>(null);
  const body = useRef<HTMLDivElement>(null);
  const [box, setBox] = useState({ w: 0, h: 0 });
  const w = dims[pane.u];
  const h = dims[pane.v];
  const keyOf = (f: string) => `${f}|${t}|${index}`;
  const wanted = fields.map(keyOf).join(";");

  // Read the slice of every layer's field (cached ones at once).
  useEffect(() => {
    const c = new AbortController();
    const keys = wanted.split(";");
    const have = new Map<string, SliceImage>();
    const missing: string[] = [];
    for (const k of keys) {
      const img = cache.current.get(k);
      if (img) have.set(k, img);
      else missing.push(k);
    }
    if (!missing.length) {
      setImages(have);
      return;
    }
    Promise.all(
      missing.map((k) => {
        const [f, tt, ii] = k.split("|");
        return readSlice(engine.ds, f, Number(tt), pane, Number(ii), c.signal);
      }),
    ).then(
      (read) => {
        if (c.signal.aborted) return;
        read.forEach((img, n) => {
          cache.current.set(missing[n], img);
          have.set(missing[n], img);
        });
        while (cache.current.size > CACHE_SIZE) cache.current.delete(cache.current.keys().next().value!);
        setError(undefined);
        setImages(have);
      },
      (e) => {
        if (!c.signal.aborted) setError(e instanceof Error ? e.message : String(e));
      },
    );
    return () => c.abort();
  }, [engine, pane, wanted]);

  const ready = fields.every((f) => images.has(keyOf(f)));
  const main = images.get(keyOf(layers[0].field));

  // Draw: background, then each layer over it.
  const styleKey = JSON.stringify([
    engine.state.colormap,
    engine.state.window,
    engine.state.hidden,
    engine.state.layers,
    engine.fieldRange(),
  ]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: styleKey stands for the view state the layers are drawn with; keyOf for t and index (both in `images`)
  useEffect(() => {
    const cv = canvas.current;
    if (!cv || !ready) return;
    cv.width = w;
    cv.height = h;
    const ctx = cv.getContext("2d");
    if (!ctx) return;
    const px = ctx.createImageData(w, h);
    fillBackground(px.data);
    for (const l of drawLayers(engine)) {
      const img = images.get(keyOf(l.field));
      if (img) colourSlice(img.values, w, h, l.style(img.values), px.data, l.opacity);
    }
    ctx.putImageData(px, 0, 0);
  }, [engine, images, ready, w, h, styleKey]);

  // Fit the slice into the pane keeping the world aspect (anisotropic spacing).
  useEffect(() => {
    const el = body.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setBox({ w: el.clientWidth, h: el.clientHeight }));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const su = Math.abs(info.spacing[pane.u]) || 1;
  const sv = Math.abs(info.spacing[pane.v]) || 1;
  const M = { left: 46, bottom: 30, top: 6, right: 8 };
  const avail = { w: Math.max(1, box.w - M.left - M.right), h: Math.max(1, box.h - M.top - M.bottom) };
  const scale = Math.min(avail.w / (w * su), avail.h / (h * sv));
  const cw = w * su * scale;
  const ch = h * sv * scale;
  const x0 = M.left + (avail.w - cw) / 2;
  const y0 = M.top + (avail.h - ch) / 2;

  const setIndex = (i: number) => {
    const p = [...pos] as Vec3;
    p[pane.normal] = i;
    engine.setState({ slice: clampVoxel(p, dims) });
  };
  const onKey = (ev: React.KeyboardEvent) => {
    const steps: Record<string, number> = {
      ArrowUp: 1,
      ArrowRight: 1,
      ArrowDown: -1,
      ArrowLeft: -1,
      PageUp: 10,
      PageDown: -10,
    };
    if (ev.target instanceof HTMLInputElement) return;
    if (ev.key in steps) setIndex(index + steps[ev.key]);
    else if (ev.key === "Home") setIndex(0);
    else if (ev.key === "End") setIndex(dims[pane.normal] - 1);
    else return;
    ev.preventDefault();
  };
  const onClick = (ev: React.MouseEvent) => {
    const r = (ev.currentTarget as HTMLElement).getBoundingClientRect();
    const iu = Math.floor(((ev.clientX - r.left) / r.width) * w);
    const iv = h - 1 - Math.floor(((ev.clientY - r.top) / r.height) * h);
    if (iu < 0 || iu >= w || iv < 0 || iv >= h) return;
    const p = [...pos] as Vec3;
    p[pane.u] = iu;
    p[pane.v] = iv;
    const sel = clampVoxel(p, dims);
    engine.setState({ slice: sel, selection: sel });
  };

  const uAxis = worldAxis(info, pane.u, pos);
  const vAxis = worldAxis(info, pane.v, pos);
  const ticks = (ax: ReturnType<typeof worldAxis>, n: number) => {
    const a = ax.world(0);
    const b = ax.world(n);
    return niceTicks(a, b, 4).map((v) => ({ v, g: ((v - a) / (b - a)) * n }));
  };
  const nAxis = worldAxis(info, pane.normal, pos);
  const planeWorld = nAxis.world(index + 0.5);
  const otherU = PANES.findIndex((p) => p.normal === pane.u);
  const otherV = PANES.findIndex((p) => p.normal === pane.v);
  const line = useLineEnds(engine);
  const px = (p: Vec3, a: number) => x0 + ((p[a] + 0.5) / w) * cw;
  const py = (p: Vec3, a: number) => y0 + ch - ((p[a] + 0.5) / h) * ch;
  const inPlane = line.start?.[pane.normal] === index && line.end?.[pane.normal] === index;
  const cu = x0 + ((pos[pane.u] + 0.5) / w) * cw;
  const cv = y0 + ch - ((pos[pane.v] + 0.5) / h) * ch;

  return (
    // The pane's image is a slider over the slice index (keys and wheel step it); the index box beside
    // it is a control of its own (a slider may hold no other control).
    <div
      className="slice-pane"
      data-testid={`slice-pane-${pane.name}`}
      data-state={ready && !error ? "ready" : "loading"}
      data-key={main ? `${main.field}|${main.t}|${main.index}` : ""}
      onWheel={(ev) => setIndex(index + (ev.deltaY < 0 ? 1 : -1))}
      style={{ borderColor: props.colour }}
    >
      <header className="slice-head">
        <span className="slice-name" style={{ color: props.colour }}>
          {pane.name}
        </span>
        <label>
          {AXIS[pane.normal]}
          <input
            type="number"
            min={0}
            max={dims[pane.normal] - 1}
            step={1}
            value={index}
            aria-label={`${pane.name} slice index (${AXIS[pane.normal]})`}
            data-testid={`slice-index-${pane.name}`}
            onChange={(ev) => {
              const v = Number(ev.target.value);
              if (Number.isFinite(v) && ev.target.value !== "") setIndex(v);
            }}
          />
          <span className="slice-of">/ {dims[pane.normal] - 1}</span>
        </label>
        <span className="slice-world">
          {nAxis.label.split(" ")[0]} = {formatNumber(Number(planeWorld.toPrecision(6)))} {info.spaceUnits}
        </span>
      </header>
      <div
        className="slice-body"
        ref={body}
        role="slider"
        aria-valuemin={0}
        aria-valuemax={dims[pane.normal] - 1}
        aria-valuenow={index}
        aria-orientation="vertical"
        aria-label={`${pane.name} slice`}
        data-testid={`slice-slider-${pane.name}`}
        tabIndex={0}
        onKeyDown={onKey}
      >
        <canvas
          ref={canvas}
          className="slice-canvas"
          data-testid={`slice-canvas-${pane.name}`}
          style={{ left: x0, top: y0, width: cw, height: ch }}
          onClick={onClick}
        />
        <svg className="slice-overlay" width={box.w} height={box.h} aria-hidden="true">
          <line x1={cu} x2={cu} y1={y0} y2={y0 + ch} stroke={PANE_COLOURS[otherU]} />
          <line x1={x0} x2={x0 + cw} y1={cv} y2={cv} stroke={PANE_COLOURS[otherV]} />
          {line.start && line.end && (
            // The plot-over-line segment projected on this pane: solid when it lies in this slice.
            <g
              className="slice-line"
              data-testid={`slice-line-${pane.name}`}
              data-in-plane={inPlane ? "true" : "false"}
            >
              <line
                x1={px(line.start, pane.u)}
                y1={py(line.start, pane.v)}
                x2={px(line.end, pane.u)}
                y2={py(line.end, pane.v)}
                stroke="#ffb74d"
                strokeWidth={1.5}
                strokeDasharray={inPlane ? undefined : "4 3"}
              />
              <circle cx={px(line.start, pane.u)} cy={py(line.start, pane.v)} r={3} fill="#ffb74d" />
              <circle
                cx={px(line.end, pane.u)}
                cy={py(line.end, pane.v)}
                r={3}
                fill="none"
                stroke="#ffb74d"
              />
            </g>
          )}
          {ticks(uAxis, w).map(({ v, g }) => (
            <g key={`u${v}`}>
              <line x1={x0 + (g / w) * cw} x2={x0 + (g / w) * cw} y1={y0 + ch} y2={y0 + ch + 4} />
              <text x={x0 + (g / w) * cw} y={y0 + ch + 14} textAnchor="middle">
                {formatNumber(v)}
              </text>
            </g>
          ))}
          {ticks(vAxis, h).map(({ v, g }) => (
            <g key={`v${v}`}>
              <line x1={x0 - 4} x2={x0} y1={y0 + ch - (g / h) * ch} y2={y0 + ch - (g / h) * ch} />
              <text x={x0 - 6} y={y0 + ch - (g / h) * ch + 3} textAnchor="end">
                {formatNumber(v)}
              </text>
            </g>
          ))}
          <text x={x0 + cw / 2} y={y0 + ch + 26} textAnchor="middle" className="axis-label">
            {uAxis.label}
          </text>
          <text
            x={12}
            y={y0 + ch / 2}
            textAnchor="middle"
            className="axis-label"
            transform={`rotate(-90 12 ${y0 + ch / 2})`}
          >
            {vAxis.label}
          </text>
        </svg>
      </div>
      <footer className="slice-cost" data-testid={`slice-bytes-${pane.name}`}>
        {error ? (
          <span className="slice-error">{error}</span>
        ) : main ? (
          <span
            data-stored-bytes={main.storedBytes}
            data-bricks={main.bricks}
            data-stored-bricks={main.storedBricks}
            data-fetched-bytes={main.fetchedBytes}
            data-fetched-requests={main.fetchedRequests}
          >
            {main.storedBricks}/{main.bricks} bricks · {formatBytes(main.storedBytes)} loaded · fetched{" "}
            {formatBytes(main.fetchedBytes)} in {main.fetchedRequests} req · {main.ms.toFixed(0)} ms
          </span>
        ) : (
          "reading…"
        )}
      </footer>
    </div>
  );
}
