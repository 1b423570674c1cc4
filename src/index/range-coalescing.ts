/** Merging byte ranges into few requests (gap threshold, request size cap). */
export interface ByteRange {
  offset: number;
  length: number;
}

export interface CoalescedRange extends ByteRange {
  /** Indices of the input ranges this request covers. */
  members: number[];
}

export function coalesceRanges(
  ranges: ByteRange[],
  gap: number,
  maxRequest = Number.POSITIVE_INFINITY,
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
  return out;
}
