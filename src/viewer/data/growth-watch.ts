/**
 * Notices a dataset growing under an open viewer (`flatvox append` on the
 * served file): every `intervalMs` one cheap request, a 1-byte range GET
 * (works for presigned URLs, which are signed for GET only), whose ETag and
 * total size (Content-Range) are compared with the last seen. Only when they
 * change is the open block read (one 64 KiB range) to count the timesteps.
 * Off unless asked for (`watch=<seconds>` in the viewer's address).
 */
import { OPEN_BLOCK_SIZE } from "../../format/constants";
import { parseOpenBlock } from "../../reader/open-block";

export interface GrowthState {
  /** Timesteps the file holds now. */
  times: number;
  /** Timesteps beyond those the viewer has open. */
  added: number;
}

export interface GrowthWatchOptions {
  url: string;
  /** Timesteps of the open dataset. */
  knownTimes: number;
  intervalMs: number;
  onChange: (s: GrowthState) => void;
  fetch?: typeof fetch;
}

interface Version {
  etag: string | null;
  size: number | null;
}

async function probe(f: typeof fetch, url: string): Promise<Version> {
  const r = await f(url, { headers: { Range: "bytes=0-0" }, cache: "no-store" });
  await r.arrayBuffer();
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
  const total = /\/(\d+)\s*$/.exec(r.headers.get("content-range") ?? "");
  return {
    etag: r.headers.get("etag"),
    size: total ? Number(total[1]) : Number(r.headers.get("content-length") ?? Number.NaN),
  };
}

async function countTimes(f: typeof fetch, url: string): Promise<number> {
  const r = await f(url, { headers: { Range: `bytes=0-${OPEN_BLOCK_SIZE - 1}` }, cache: "no-store" });
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
  const bytes = new Uint8Array(await r.arrayBuffer());
  return parseOpenBlock(bytes, bytes.length < OPEN_BLOCK_SIZE ? bytes.length : undefined).times.length;
}

/** Start polling; returns a function that stops it. Failed polls are ignored (the next one tries again). */
export function watchGrowth(o: GrowthWatchOptions): () => void {
  const f = o.fetch ?? ((input, init) => globalThis.fetch(input, init));
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last: Version | undefined;
  let reported = o.knownTimes;
  const tick = async () => {
    try {
      const v = await probe(f, o.url);
      // The first poll (and the first after a failure) counts too: the file may have grown since it was opened.
      const changed = last === undefined || v.etag !== last.etag || v.size !== last.size;
      last = v;
      if (changed && !stopped) {
        const times = await countTimes(f, o.url);
        if (!stopped && times !== reported) {
          reported = times;
          o.onChange({ times, added: times - o.knownTimes });
        }
      }
    } catch {
      // A poll that fails (offline, a write in progress) says nothing; the next one tries again.
      last = undefined;
    }
    if (!stopped) timer = setTimeout(tick, o.intervalMs);
  };
  void tick();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
