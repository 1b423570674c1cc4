/** Start screen: the built-in catalog (data/catalog.json next to the app) and an open-by-URL form. */
import { useEffect, useState } from "react";

export interface CatalogEntry {
  url: string;
  title: string;
  kind?: string;
}

export function Catalog({ onOpen }: { onOpen: (url: string, title?: string) => void }) {
  const [entries, setEntries] = useState<CatalogEntry[]>();
  const [error, setError] = useState<string>();
  const [url, setUrl] = useState("");
  useEffect(() => {
    const c = new AbortController();
    fetch("data/catalog.json", { signal: c.signal })
      .then(async (r) => {
        if (!r.ok) throw new Error(`catalog: HTTP ${r.status}`);
        const j = (await r.json()) as { datasets?: unknown };
        if (!Array.isArray(j.datasets)) throw new Error("catalog: no datasets list");
        setEntries(
          j.datasets
            .filter((d): d is CatalogEntry => typeof d?.url === "string")
            .map((d) => ({
              url: d.url,
              title: typeof d.title === "string" ? d.title : d.url,
              kind: typeof d.kind === "string" ? d.kind : undefined,
            })),
        );
      })
      .catch((e) => {
        if (!c.signal.aborted) setError(e instanceof Error ? e.message : String(e));
      });
    return () => c.abort();
  }, []);
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
      {!entries && !error && (
        <div className="dim">
          <span className="spinner" /> loading catalog…
        </div>
      )}
      {error && <div className="dim">No built-in catalog here ({error}).</div>}
      {entries && (
        <ul className="catalog-list">
          {entries.map((d) => (
            <li key={d.url}>
              <button type="button" onClick={() => onOpen(d.url, d.title)} data-testid="catalog-entry">
                <b>{d.title}</b>
                <span className="dim">{d.kind ? ` ${d.kind}` : ""}</span>
                <div className="dim">{d.url}</div>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
