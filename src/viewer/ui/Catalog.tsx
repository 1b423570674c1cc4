/**
 * Start screen: the catalog next to the app (data/catalog.json, written by
 * `flatvox catalog build`) or the one named by `?catalog=`, with fuzzy search
 * and each dataset's statistics, and an open-by-URL form. Everything from the
 * catalog is shown as text.
 */
import { useEffect, useMemo, useState } from "react";
import { CatalogIndex, readCatalog } from "../../catalog/search";
import type { Catalog as CatalogData, CatalogEntry, CatalogField } from "../../catalog/types";

export const CATALOG_URL = "data/catalog.json";

/**
 * An entry's URL as the viewer opens it: resolved against the catalog's own
 * URL, and kept relative to the page when it lands on the same origin (so
 * shared links stay short and the dataset is found offline under one key).
 */
export function entryUrl(url: string, catalogUrl: string, page: string): string {
  const abs = new URL(url, new URL(catalogUrl, page));
  const base = new URL(".", page);
  if (abs.origin === base.origin && abs.pathname.startsWith(base.pathname) && !abs.search && !abs.hash)
    return abs.pathname.slice(base.pathname.length);
  return abs.href;
}

const mb = (n?: number) =>
  n === undefined ? "" : n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / 1e6).toFixed(1)} MB`;

/** A tiny line chart of one series (NaN gaps skipped), scaled to its own range. */
function Sparkline({ values, label }: { values: number[]; label: string }) {
  const finite = values.filter(Number.isFinite);
  if (finite.length < 2) return null;
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const w = 120;
  const h = 24;
  const pts = values
    .map((v, i) =>
      Number.isFinite(v)
        ? `${((i / (values.length - 1)) * w).toFixed(1)},${(h - 2 - ((v - lo) / (hi - lo || 1)) * (h - 4)).toFixed(1)}`
        : "",
    )
    .filter(Boolean)
    .join(" ");
  return (
    <svg className="sparkline" width={w} height={h} role="img" aria-label={label}>
      <title>{label}</title>
      <polyline points={pts} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}

function FieldSummary({ f }: { f: CatalogField }) {
  const s = f.stats;
  const where = s ? (s.exact ? "every voxel" : `level ${s.level}`) : "";
  if (s?.series) {
    const first = s.series.mean[0];
    const last = s.series.mean[s.series.mean.length - 1];
    return (
      <div className="catalog-field" data-testid="catalog-field">
        <span>
          {f.name} <span className="dim">{f.dtype}</span>
        </span>
        <Sparkline values={s.series.mean} label={`mean of ${f.name} per timestep (${where})`} />
        <span className="dim">
          mean {first?.toPrecision(3)} → {last?.toPrecision(3)}
          {f.range ? `, range ${f.range[0].toPrecision(3)} … ${f.range[1].toPrecision(3)}` : ""}
        </span>
      </div>
    );
  }
  if (s?.materials) {
    const last = (m: { fraction: number[] }) => m.fraction[m.fraction.length - 1] ?? 0;
    const top = [...s.materials].sort((a, b) => last(b) - last(a)).slice(0, 4);
    return (
      <div className="catalog-field" data-testid="catalog-field">
        <span>
          {f.name} <span className="dim">{f.dtype}</span>
        </span>
        <span className="dim">
          {s.materials.length} materials; last step{" "}
          {top.map((m) => `${m.name} ${(last(m) * 100).toFixed(1)}%`).join(", ")}
        </span>
      </div>
    );
  }
  return (
    <div className="catalog-field" data-testid="catalog-field">
      {f.name} <span className="dim">{f.dtype}</span>
    </div>
  );
}

function EntryCard({ d, onOpen }: { d: CatalogEntry; onOpen: () => void }) {
  const facts = [
    d.kind,
    d.dims?.join("×"),
    d.times &&
      `${d.times.count} steps (${d.times.first} … ${d.times.last}${d.times.units ? ` ${d.times.units}` : ""})`,
    mb(d.size),
    d.compressionRatio && `${d.compressionRatio.toFixed(1)}× compressed`,
    d.features && `${d.features.count} features, ${d.features.tracks} tracks`,
  ].filter(Boolean);
  return (
    <li>
      <button type="button" onClick={onOpen} data-testid="catalog-entry">
        <b>{d.title}</b>
        <div className="dim">{facts.join(" · ")}</div>
        {d.description && <div className="catalog-description">{d.description}</div>}
        {d.fields.map((f) => (
          <FieldSummary key={f.name} f={f} />
        ))}
        <div className="dim mono">{d.url}</div>
      </button>
    </li>
  );
}

export function Catalog({
  url: catalogUrl = CATALOG_URL,
  onOpen,
}: {
  /** The catalog to list, relative to the page or absolute (default: data/catalog.json beside the app). */
  url?: string;
  onOpen: (url: string, title?: string) => void;
}) {
  const [catalog, setCatalog] = useState<CatalogData>();
  const [problems, setProblems] = useState<string[]>([]);
  const [error, setError] = useState<string>();
  const [url, setUrl] = useState("");
  const [query, setQuery] = useState("");
  useEffect(() => {
    const c = new AbortController();
    fetch(catalogUrl, { signal: c.signal })
      .then(async (r) => {
        if (!r.ok) throw new Error(`catalog: HTTP ${r.status}`);
        const read = readCatalog(await r.json(), catalogUrl);
        setCatalog(read.catalog);
        setProblems(read.problems);
      })
      .catch((e) => {
        if (!c.signal.aborted) setError(e instanceof Error ? e.message : String(e));
      });
    return () => c.abort();
  }, [catalogUrl]);
  const index = useMemo(() => (catalog ? new CatalogIndex(catalog) : undefined), [catalog]);
  const found = useMemo(() => {
    if (!index) return { hits: [] as CatalogEntry[] };
    try {
      return { hits: index.search(query).map((h) => h.entry) };
    } catch (e) {
      return { hits: [] as CatalogEntry[], error: e instanceof Error ? e.message : String(e) };
    }
  }, [index, query]);
  return (
    <div className="catalog" data-testid="catalog">
      <h1>flatvox</h1>
      <p className="dim">
        Stream time-varying voxel data straight from a URL: only the bricks the view needs are fetched.
      </p>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (url.trim()) onOpen(url.trim());
        }}
      >
        <input
          className="url-input"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          placeholder="https://…/dataset.fvx"
          aria-label="dataset URL"
        />
        <button type="submit">open</button>
      </form>
      <h2>Catalog</h2>
      {!catalog && !error && (
        <div className="dim">
          <span className="spinner" /> loading catalog…
        </div>
      )}
      {error && (
        <div className="dim" data-testid="catalog-error">
          {catalogUrl === CATALOG_URL
            ? "No built-in catalog here"
            : `The catalog ${catalogUrl} could not be read`}{" "}
          ({error}).
        </div>
      )}
      {catalog && (
        <>
          <input
            className="catalog-search"
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder="search: words (typos allowed), kind:categorical, field:v, steps>=10, features:yes"
            aria-label="search the catalog"
            data-testid="catalog-search"
          />
          <div className="dim" data-testid="catalog-count">
            {found.error ?? `${found.hits.length} of ${catalog.datasets.length} datasets`}
          </div>
          <ul className="catalog-list">
            {found.hits.map((d) => (
              <EntryCard
                key={d.url}
                d={d}
                onOpen={() => onOpen(entryUrl(d.url, catalogUrl, location.href), d.title)}
              />
            ))}
          </ul>
          {problems.length > 0 && (
            <div className="dim">
              Left out of the catalog: {problems.length} malformed entr{problems.length === 1 ? "y" : "ies"} (
              {problems[0]}).
            </div>
          )}
        </>
      )}
    </div>
  );
}
