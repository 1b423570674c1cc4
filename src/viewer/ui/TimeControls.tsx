/** Time slider with play/pause, loop, direction and speed. */
import type { ViewerEngine } from "../stream/engine";
import { formatNumber } from "./use-engine";

const SPEEDS = [0.5, 1, 2, 4, 8];

export function TimeControls({ engine }: { engine: ViewerEngine }) {
  const info = engine.info;
  const n = info.times.length;
  const t = engine.state.t;
  const pb = engine.playback;
  const stats = engine.stats();
  if (n <= 1) return null;
  return (
    <section className="panel time" data-testid="time-controls">
      <div className="row">
        <button
          type="button"
          data-testid="play-button"
          onClick={() => engine.setPlayback({ playing: !pb.playing })}
          title={pb.playing ? "pause" : "play"}
        >
          {pb.playing ? "❚❚ pause" : "▶ play"}
        </button>
        <button
          type="button"
          onClick={() => engine.setPlayback({ direction: pb.direction === 1 ? -1 : 1 })}
          title="playback direction"
        >
          {pb.direction === 1 ? "forward" : "backward"}
        </button>
        <label>
          <input
            type="checkbox"
            checked={pb.loop}
            onChange={(e) => engine.setPlayback({ loop: e.target.checked })}
          />{" "}
          loop
        </label>
        <select
          value={pb.speed}
          onChange={(e) => engine.setPlayback({ speed: Number(e.target.value) })}
          aria-label="speed"
        >
          {SPEEDS.map((s) => (
            <option key={s} value={s}>
              {s} steps/s
            </option>
          ))}
        </select>
      </div>
      <div className="row">
        <input
          type="range"
          className="time-slider"
          aria-label="timestep"
          data-testid="time-slider"
          min={0}
          max={n - 1}
          step={1}
          value={t}
          onChange={(e) => engine.setState({ t: Number(e.target.value) })}
        />
        <span className="num" data-testid="time-label">
          t={t} ({formatNumber(info.times[t])}
          {info.timeUnits ? ` ${info.timeUnits}` : ""})
        </span>
      </div>
      {/* One line, always there: its text changes, the canvas above it never resizes. */}
      <div className="dim status-line" data-testid="time-status">
        {stats.shownT !== t
          ? `loading timestep ${t}…`
          : pb.playing
            ? "coarse while playing; refines on pause"
            : "\u00a0"}
      </div>
    </section>
  );
}
