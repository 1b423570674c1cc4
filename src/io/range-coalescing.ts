/** Merging byte ranges into few requests (gap threshold, request size cap, byte slack). */
export interface ByteRange {
  offset: number;
  length: number;
}

export interface CoalescedRange extends ByteRange {
  /** Indices of the input ranges this request covers. */
  members: number[];
}

/**
 * Ranges closer than `gap` bytes share a request, none over `maxRequest`
 * (unless a single range is). Then, with `slack` > 0, the smallest remaining
 * gaps are merged too while the bytes they add stay within `slack` × the
 * bytes of the first pass and the cap holds: a large read takes fewer
 * requests for a bounded share of extra bytes.
 */
export function coalesceRanges(
  ranges: ReadonlyArray<ByteRange>,
  gap: number,
  maxRequest = Number.POSITIVE_INFINITY,
  slack = 0,
): CoalescedRange[] {
  const idx = ranges.map((_, i) => i).sort((a, b) => ranges[a].offset - ranges[b].offset);
  const out: CoalescedRange[] = [];
  let cur: CoalescedRange | undefined;
  for (const i of idx) {
    const r = ranges[i];
    const end = r.offset + r.length;
    if (cur) {
      const curEnd = cur.offset + cur.length;
      const newEnd = Math.max(curEnd, end);
      if (r.offset - curEnd <= gap && newEnd - cur.offset <= maxRequest) {
        cur.length = newEnd - cur.offset;
        cur.members.push(i);
        continue;
      }
    }
    cur = { offset: r.offset, length: r.length, members: [i] };
    out.push(cur);
  }
  return slack > 0 && out.length > 1 ? mergeSmallestGaps(out, maxRequest, slack) : out;
}

function mergeSmallestGaps(groups: CoalescedRange[], maxRequest: number, slack: number): CoalescedRange[] {
  const n = groups.length;
  let budget = slack * groups.reduce((s, g) => s + g.length, 0);
  const gapAfter = (i: number) => groups[i + 1].offset - (groups[i].offset + groups[i].length);
  const order = Array.from({ length: n - 1 }, (_, i) => i).sort((a, b) => gapAfter(a) - gapAfter(b) || a - b);
  // Merged runs of groups: `first[i]` is the leftmost group of i's run; `end[first]` the run's end.
  const first = groups.map((_, i) => i);
  const end = groups.map((g) => g.offset + g.length);
  const root = (i: number): number => {
    while (first[i] !== i) i = first[i] = first[first[i]];
    return i;
  };
  for (const i of order) {
    const g = gapAfter(i);
    if (g > budget) break;
    const left = root(i);
    const right = i + 1; // always the leftmost of its run: only its own left gap could merge it
    if (end[right] - groups[left].offset > maxRequest) continue;
    first[right] = left;
    end[left] = end[right];
    budget -= g;
  }
  const out: CoalescedRange[] = [];
  for (let i = 0; i < n; i++) {
    if (root(i) === i) out.push({ offset: groups[i].offset, length: end[i] - groups[i].offset, members: [] });
    const into = out[out.length - 1].members;
    for (const m of groups[i].members) into.push(m);
  }
  return out;
}
