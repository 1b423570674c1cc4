/** Transfer and render statistics, with the memory budgets and LOD threshold adjustable. */
import type { ViewerEngine } from "../stream/engine";
import { type Choice, ChoiceSelect, KeyValue } from "./controls";
import { formatBytes } from "./use-engine";

const MIB = 2 ** 20;
const mib = (values: number[]): Choice<number>[] => values.map((m) => ({ value: m, label: `${m} MiB` }));
const BUDGETS = [
  { name: "GPU", key: "gpuBytes", choices: mib([32, 64, 128, 256, 512]) },
  { name: "CPU", key: "cpuBytes", choices: mib([64, 128, 256, 512, 1024, 2048]) },
] as const;

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
          <KeyValue name="requests" testId="stat-requests">
            {s.requests}
          </KeyValue>
          <KeyValue name="bytes fetched">{formatBytes(s.bytes)}</KeyValue>
          <KeyValue name="cache hits">
            {s.cacheHits} <span className="dim">(time dedup {s.dedupHits})</span>
          </KeyValue>
          <KeyValue name="bricks loaded">
            {s.bricksLoaded} <span className="dim">+{s.uniformBricks} uniform</span>
          </KeyValue>
          <KeyValue name="fetch+decode">{s.decodeMsAvg.toFixed(1)} ms/brick</KeyValue>
          <KeyValue name="frame">
            {s.frameMs.toFixed(1)} ms, {s.fps} fps
          </KeyValue>
          <KeyValue name="CPU memory">
            {formatBytes(s.cpuBytes)} / {formatBytes(s.cpuBudget)}
          </KeyValue>
          <KeyValue name="GPU memory">
            {formatBytes(s.gpuBytes)} / {formatBytes(s.gpuBudget)}
          </KeyValue>
          <KeyValue name="LOD cut">
            {s.selected} bricks {levels}
          </KeyValue>
          <KeyValue name="queue">
            {s.pendingVisible} visible, {s.pendingPrefetch} prefetch, {s.cancelled} cancelled
          </KeyValue>
          {s.firstFrameMs !== undefined && (
            <KeyValue name="first frame">{Math.round(s.firstFrameMs)} ms</KeyValue>
          )}
          {s.lastTimeSwitchMs !== undefined && (
            <KeyValue name="last step switch">{Math.round(s.lastTimeSwitchMs)} ms</KeyValue>
          )}
        </tbody>
      </table>
      {BUDGETS.map(({ name, key, choices }) => (
        <ChoiceSelect
          key={key}
          row={`${name} budget`}
          label={`${name} budget`}
          value={Math.round(engine.budgets[key] / MIB)}
          choices={choices}
          onChange={(m) => engine.setBudgets({ [key]: m * MIB })}
        />
      ))}
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
