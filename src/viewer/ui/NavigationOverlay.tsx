/** Axis triad and scale bar drawn over the canvas, following the camera. */

import type { ViewerEngine } from "../stream/engine";
import { axesOnScreen, scaleBar, worldPerPixel } from "./navigation";
import { formatNumber } from "./use-engine";

const AXES = [
  { name: "x", color: "#ff6b6b" },
  { name: "y", color: "#6bd68a" },
  { name: "z", color: "#6ba8ff" },
];
const R = 26;

export function AxisTriad({ engine }: { engine: ViewerEngine }) {
  const axes = axesOnScreen(engine.viewport.camera).map((a, i) => ({ ...a, ...AXES[i] }));
  // Far axes first, so the nearest draws on top.
  const order = [...axes].sort((a, b) => a.depth - b.depth);
  const c = R + 10;
  return (
    <svg
      className="axis-triad"
      data-testid="axis-triad"
      width={2 * c}
      height={2 * c}
      role="img"
      aria-label={`World axes: ${axes
        .map((a) => `${a.name} ${a.x >= 0 ? "right" : "left"} ${a.y >= 0 ? "up" : "down"}`)
        .join(", ")}`}
    >
      {order.map((a) => (
        <g key={a.name} data-axis={a.name} data-x={a.x} data-y={a.y}>
          <line x1={c} y1={c} x2={c + a.x * R} y2={c - a.y * R} stroke={a.color} strokeWidth={2.5} />
          <text
            x={c + a.x * (R + 7)}
            y={c - a.y * (R + 7)}
            fill={a.color}
            fontSize={12}
            fontWeight={700}
            textAnchor="middle"
            dominantBaseline="central"
          >
            {a.name}
          </text>
        </g>
      ))}
    </svg>
  );
}

export function ScaleBar({ engine }: { engine: ViewerEngine }) {
  const per = worldPerPixel(engine);
  const { length, px } = scaleBar(per);
  if (!length) return null;
  const units = engine.info.spaceUnits || "units";
  return (
    <div
      className="scale-bar"
      data-testid="scale-bar"
      data-length={length}
      data-px={px}
      title="length at the depth of the orbit centre"
    >
      <div className="scale-bar-line" style={{ width: `${px}px` }} />
      <span>
        {formatNumber(length)} {units}
      </span>
    </div>
  );
}

export function NavigationOverlay({ engine }: { engine: ViewerEngine }) {
  return (
    <div className="nav-overlay">
      <AxisTriad engine={engine} />
      <ScaleBar engine={engine} />
    </div>
  );
}
