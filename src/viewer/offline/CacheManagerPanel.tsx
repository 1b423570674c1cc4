/** Cache manager: datasets held offline with size and last use, deletion, the quota and the browser's storage. */
import { useCallback, useEffect, useState } from "react";
import { formatBytes } from "../ui/use-engine";
import type { CachedDatasetInfo, CacheUsage, ViewerCache } from "./offline-data";
import { loadQuotaSetting, saveQuotaSetting } from "./settings";

const MIB = 2 ** 20;

function ago(ms: number): string {
  if (!ms) return "never";
  const s = Math.max(0, (Date.now() - ms) / 1000);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(ms).toLocaleDateString();
}

export function CacheManagerPanel({ cache, version = 0 }: { cache: ViewerCache; version?: number }) {
  const [list, setList] = useState<CachedDatasetInfo[]>([]);
  const [usage, setUsage] = useState<CacheUsage>();
  const [quotaMiB, setQuotaMiB] = useState("");
  const [busy, setBusy] = useState(false);
  const refresh = useCallback(async () => {
    const [l, u] = await Promise.all([cache.list(), cache.usage()]);
    setList(l);
    setUsage(u);
  }, [cache]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new version (a download ended) means "list again"
  useEffect(() => {
    void refresh();
    const id = setInterval(() => void refresh(), 3000);
    return () => clearInterval(id);
  }, [refresh, version]);
  useEffect(() => {
    const q = loadQuotaSetting();
    if (q) setQuotaMiB(String(Math.round(q / MIB)));
  }, []);
  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
    } finally {
      setBusy(false);
      await refresh();
    }
  };
  return (
    <section className="panel cache-manager" data-testid="cache-manager">
      <h2>Cache</h2>
      {usage && (
        <div className="dim" data-testid="cache-usage">
          {formatBytes(usage.usageBytes)} of {formatBytes(usage.quotaBytes)} quota
          {usage.originQuota !== undefined && (
            <>
              {" "}
              · browser storage {formatBytes(usage.originUsage ?? 0)} of {formatBytes(usage.originQuota)}
            </>
          )}
          {usage.persisted !== undefined && (
            <> · {usage.persisted ? "persistent" : "may be evicted by the browser"}</>
          )}
        </div>
      )}
      {list.length === 0 ? (
        <div className="dim">nothing cached</div>
      ) : (
        <table className="kv cache-list">
          <tbody>
            {list.map((d) => (
              <tr key={d.key} data-testid="cache-entry">
                <th title={d.url}>{d.url.replace(/^.*\//, "")}</th>
                <td>{formatBytes(d.bytes)}</td>
                <td className="dim">{ago(d.lastUsed)}</td>
                <td>
                  <button
                    type="button"
                    disabled={busy}
                    data-testid="cache-delete"
                    onClick={() => void act(() => cache.remove(d.key))}
                  >
                    delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="row">
        <label>
          quota{" "}
          <input
            type="number"
            min={1}
            data-testid="cache-quota"
            value={quotaMiB}
            placeholder={usage ? String(Math.round(usage.quotaBytes / MIB)) : ""}
            onChange={(e) => setQuotaMiB(e.target.value)}
          />{" "}
          MiB
        </label>
        <button
          type="button"
          disabled={busy || !(Number(quotaMiB) > 0)}
          data-testid="cache-quota-save"
          onClick={() =>
            void act(async () => {
              const bytes = Math.round(Number(quotaMiB) * MIB);
              saveQuotaSetting(bytes);
              await cache.setQuota(bytes);
            })
          }
        >
          set
        </button>
        <button
          type="button"
          disabled={busy || list.length === 0}
          data-testid="cache-clear"
          onClick={() => void act(() => cache.clear())}
        >
          delete all
        </button>
      </div>
    </section>
  );
}
