/** Transfer and render statistics, with the memory budgets and LOD threshold adjustable. */
import type { ViewerEngine } from "../stream/engine";
import { formatBytes } from "./use-engine";

const MIB = 2 ** 20;
const GPU_CHOICES = [32, 64, 128, 256, 512];
const CPU_CHOICES = [64, 128, 256, 512, 1024, 2048];

export function StatsPanel({ engine }: { engine: ViewerEngine }) {
  const s = engine.stats();
  const levels = Object.entries(s.levels)
    .map(([l, n]) => `L${l}:${n}`)
    .join(" ");
  return (
    <section className="panel stats" data-testid="stats-panel">
      <h2>Stats</h2>
      <table className="kv">
        <tbody>
          <tr>
            <th>requests</th>
            <td data-testid="stat-requests">{s.requests}</td>
          </tr>
          <tr>
            <th>bytes fetched</th>
            <td>{formatBytes(s.bytes)}</td>
          </tr>
          <tr>
            <th>cache hits</th>
            <td>
              {s.cacheHits} <span className="dim">(time dedup {s.dedupHits})</span>
            </td>
          </tr>
          <tr>
            <th>bricks loaded</th>
            <td>
              {s.bricksLoaded} <span className="dim">+{s.uniformBricks} uniform</span>
            </td>
          </tr>
          <tr>
            <th>fetch+decode</th>
            <td>{s.decodeMsAvg.toFixed(1)} ms/brick</td>
          </tr>
          <tr>
            <th>frame</th>
            <td>
              {s.frameMs.toFixed(1)} ms, {s.fps} fps
            </td>
          </tr>
          <tr>
            <th>CPU memory</th>
            <td>
              {formatBytes(s.cpuBytes)} / {formatBytes(s.cpuBudget)}
            </td>
          </tr>
          <tr>
            <th>GPU memory</th>
            <td>
              {formatBytes(s.gpuBytes)} / {formatBytes(s.gpuBudget)}
            </td>
          </tr>
          <tr>
            <th>LOD cut</th>
            <td>
              {s.selected} bricks {levels}
            </td>
          </tr>
          <tr>
            <th>queue</th>
            <td>
              {s.pendingVisible} visible, {s.pendingPrefetch} prefetch, {s.cancelled} cancelled
            </td>
          </tr>
          {s.firstFrameMs !== undefined && (
            <tr>
              <th>first frame</th>
              <td>{Math.round(s.firstFrameMs)} ms</td>
            </tr>
          )}
          {s.lastTimeSwitchMs !== undefined && (
            <tr>
              <th>last step switch</th>
              <td>{Math.round(s.lastTimeSwitchMs)} ms</td>
            </tr>
          )}
        </tbody>
      </table>
      <div className="row">
        GPU budget
        <select
          aria-label="GPU budget"
          value={Math.round(engine.budgets.gpuBytes / MIB)}
          onChange={(e) => engine.setBudgets({ gpuBytes: Number(e.target.value) * MIB })}
        >
          {GPU_CHOICES.map((m) => (
            <option key={m} value={m}>
              {m} MiB
            </option>
          ))}
        </select>
      </div>
      <div className="row">
        CPU budget
        <select
          aria-label="CPU budget"
          value={Math.round(engine.budgets.cpuBytes / MIB)}
          onChange={(e) => engine.setBudgets({ cpuBytes: Number(e.target.value) * MIB })}
        >
          {CPU_CHOICES.map((m) => (
            <option key={m} value={m}>
              {m} MiB
            </option>
          ))}
        </select>
      </div>
      <label className="row">
        LOD threshold
        <input
          type="range"
          min={1}
          max={32}
          step={1}
          value={engine.state.lodPx}
          onChange={(e) => engine.setState({ lodPx: Number(e.target.value) })}
        />
        <span className="num">{engine.state.lodPx} px</span>
      </label>
    </section>
  );
}
