/** The picked voxel: ijk, world position, value with units, level, timestep. */
import type { ViewerEngine } from "../stream/engine";
import { formatNumber } from "./use-engine";

export function PickPanel({ engine }: { engine: ViewerEngine }) {
  const r = engine.pick.result;
  return (
    <section className="panel" data-testid="pick-panel">
      <h2>Picked voxel</h2>
      {!r ? (
        <div className="dim">click the data to pick a voxel</div>
      ) : (
        <table className="kv">
          <tbody>
            <tr>
              <th>voxel ijk</th>
              <td data-testid="pick-ijk">{r.ijk.join(", ")}</td>
            </tr>
            <tr>
              <th>world xyz</th>
              <td data-testid="pick-world">
                {r.world.map(formatNumber).join(", ")}
                {engine.info.spaceUnits ? ` ${engine.info.spaceUnits}` : ""}
              </td>
            </tr>
            <tr>
              <th>{r.field}</th>
              <td data-testid="pick-value">
                {r.value === undefined ? "loading…" : formatNumber(r.value)}
                {r.units && r.value !== undefined ? ` ${r.units}` : ""}
                {r.label ? ` (${r.label})` : ""}
              </td>
            </tr>
            <tr>
              <th>level</th>
              <td data-testid="pick-level">
                {r.exact ? "0 (exact)" : `${r.level} (coarse)`}
                {r.refining ? " — only coarse data cached, refining…" : ""}
              </td>
            </tr>
            <tr>
              <th>timestep</th>
              <td>
                {r.t} ({formatNumber(r.time)}
                {engine.info.timeUnits ? ` ${engine.info.timeUnits}` : ""})
              </td>
            </tr>
          </tbody>
        </table>
      )}
    </section>
  );
}
