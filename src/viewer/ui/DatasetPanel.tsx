/** Dataset header: grid, fields, time range and metadata — all rendered as text. */
import type { ViewerInfo } from "../data/viewer-types";
import { formatNumber } from "./use-engine";

function MetaValue({ value, depth = 0 }: { value: unknown; depth?: number }) {
  if (value !== null && typeof value === "object" && depth >= 2)
    return <span className="mono">{JSON.stringify(value)}</span>;
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value);
    return (
      <dl className="meta">
        {entries.map(([k, v]) => (
          <div key={k} className="meta-row">
            <dt>{k}</dt>
            <dd>
              <MetaValue value={v} depth={depth + 1} />
            </dd>
          </div>
        ))}
      </dl>
    );
  }
  return <span>{String(value)}</span>;
}

export function DatasetPanel({ info, url, title }: { info: ViewerInfo; url: string; title?: string }) {
  const [nx, ny, nz] = info.dims;
  const t0 = info.times[0];
  const t1 = info.times[info.times.length - 1];
  const units = info.timeUnits ? ` ${info.timeUnits}` : "";
  return (
    <section className="panel" data-testid="dataset-panel">
      <h2>Dataset</h2>
      {title && <div className="ds-title">{title}</div>}
      <div className="ds-url" title={url}>
        {url}
      </div>
      <table className="kv">
        <tbody>
          <tr>
            <th>grid</th>
            <td data-testid="ds-dims">
              {nx} × {ny} × {nz}
            </td>
          </tr>
          <tr>
            <th>spacing</th>
            <td>{info.spacing.map(formatNumber).join(" × ")}</td>
          </tr>
          <tr>
            <th>origin</th>
            <td>{info.origin.map(formatNumber).join(", ")}</td>
          </tr>
          <tr>
            <th>timesteps</th>
            <td data-testid="ds-times">
              {info.times.length} ({formatNumber(t0)} – {formatNumber(t1)}
              {units})
            </td>
          </tr>
          <tr>
            <th>bricks</th>
            <td>
              {info.brickSize}³, {info.levels.length} levels
            </td>
          </tr>
          <tr>
            <th>format</th>
            <td>v{info.version}</td>
          </tr>
        </tbody>
      </table>
      <h3>Fields</h3>
      <ul className="fields" data-testid="ds-fields">
        {info.fields.map((f) => (
          <li key={f.name}>
            <b>{f.name}</b> <span className="dim">{f.dtype}</span> <span className="dim">{f.kind}</span>
            {f.units && <span className="dim"> [{f.units}]</span>}
          </li>
        ))}
      </ul>
      {Object.keys(info.metadata).length > 0 && (
        <details open>
          <summary>Metadata</summary>
          <div data-testid="ds-metadata">
            <MetaValue value={info.metadata} />
          </div>
        </details>
      )}
    </section>
  );
}
