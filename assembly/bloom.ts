// Parquet split-block bloom filter: 256-bit blocks of 8 little-endian u32
// words; a key sets one bit per word, chosen by the low hash half times a salt.

// The eight salts of the Parquet spec.
const S0: u32 = 0x47b6137b;
const S1: u32 = 0x44974d91;
const S2: u32 = 0x8824ad5b;
const S3: u32 = 0xa2b7289d;
const S4: u32 = 0x705495c7;
const S5: u32 = 0x2df1424b;
const S6: u32 = 0x9efc4947;
const S7: u32 = 0x5c6bfb31;

@inline function blockOf(hi: u32, numBlocks: u32): usize {
  return <usize>((<u64>hi * <u64>numBlocks) >> 32) << 5;
}

// Vector constants live in a data segment and are loaded once per call:
// V8 re-materialises a v128.const at every use inside a loop, which cost
// more than the mask arithmetic itself. Salts (8 lanes), the byte offsets
// 0, 8, 16, 24 per lane, and the table 1 << 0 .. 1 << 7 followed by zeros.
const K = memory.data<u32>(
  [
    S0, S1, S2, S3, S4, S5, S6, S7, 0x18100800, 0x18100800, 0x18100800, 0x18100800, 0x08040201, 0x80402010, 0, 0,
  ],
  16,
);

// 1 << y per lane (y < 32) without a per-lane shift: replicate y into the
// lane's four bytes, subtract 0, 8, 16, 24, and look each byte up in the
// table. Only the byte whose difference is 0..7 hits a power of two; 8..15
// hit the table's zero half, and negative or >= 16 read 0 by swizzle's
// out-of-range rule. Five cheap ops instead of a float round trip.
@inline function maskVec(lo: v128, salts: v128, offs: v128, table: v128): v128 {
  const y = i32x4.shr_u(i32x4.mul(lo, salts), 27);
  const rep = i8x16.shuffle(y, y, 0, 0, 0, 0, 4, 4, 4, 4, 8, 8, 8, 8, 12, 12, 12, 12);
  return i8x16.swizzle(table, i8x16.sub(rep, offs));
}

/** 1 when the hash at `h` may be in the filter. */
@inline function probeOne(
  filter: usize,
  numBlocks: u32,
  h: usize,
  sa: v128,
  sb: v128,
  offs: v128,
  table: v128,
): i32 {
  const blk = filter + blockOf(load<u32>(h, 4), numBlocks);
  const lo = i32x4.splat(load<u32>(h));
  const miss = v128.or(
    v128.andnot(maskVec(lo, sa, offs, table), v128.load(blk)),
    v128.andnot(maskVec(lo, sb, offs, table), v128.load(blk, 16)),
  );
  return <i32>!v128.any_true(miss);
}

@inline function bit(lo: u32, salt: u32): u32 {
  return <u32>1 << ((lo * salt) >> 27);
}

export function sbbfInsert(filter: usize, numBlocks: u32, hashes: usize, n: i32): void {
  if (ASC_FEATURE_SIMD) {
    const sa = v128.load(K);
    const sb = v128.load(K, 16);
    const offs = v128.load(K, 32);
    const table = v128.load(K, 48);
    for (let i = 0; i < n; i++) {
      const h = hashes + (<usize>i << 3);
      const blk = filter + blockOf(load<u32>(h, 4), numBlocks);
      const lo = i32x4.splat(load<u32>(h));
      v128.store(blk, v128.or(v128.load(blk), maskVec(lo, sa, offs, table)));
      v128.store(blk, v128.or(v128.load(blk, 16), maskVec(lo, sb, offs, table)), 16);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const h = hashes + (<usize>i << 3);
      const blk = filter + blockOf(load<u32>(h, 4), numBlocks);
      const lo = load<u32>(h);
      store<u32>(blk, load<u32>(blk) | bit(lo, S0));
      store<u32>(blk, load<u32>(blk, 4) | bit(lo, S1), 4);
      store<u32>(blk, load<u32>(blk, 8) | bit(lo, S2), 8);
      store<u32>(blk, load<u32>(blk, 12) | bit(lo, S3), 12);
      store<u32>(blk, load<u32>(blk, 16) | bit(lo, S4), 16);
      store<u32>(blk, load<u32>(blk, 20) | bit(lo, S5), 20);
      store<u32>(blk, load<u32>(blk, 24) | bit(lo, S6), 24);
      store<u32>(blk, load<u32>(blk, 28) | bit(lo, S7), 28);
    }
  }
}

/** out[i] = 1 when hash i may be present, 0 when it is certainly absent. Returns the number of 1s. */
export function sbbfProbe(filter: usize, numBlocks: u32, hashes: usize, n: i32, out: usize): i32 {
  let hits = 0;
  if (ASC_FEATURE_SIMD) {
    const sa = v128.load(K);
    const sb = v128.load(K, 16);
    const offs = v128.load(K, 32);
    const table = v128.load(K, 48);
    // Two probes per iteration: their block loads overlap and the loop
    // overhead halves (measured ~1.1x over one at a time).
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const h = hashes + (<usize>i << 3);
      const r0 = probeOne(filter, numBlocks, h, sa, sb, offs, table);
      const r1 = probeOne(filter, numBlocks, h + 8, sa, sb, offs, table);
      store<u16>(out + i, <u16>(r0 | (r1 << 8)));
      hits += r0 + r1;
    }
    if (i < n) {
      const r = probeOne(filter, numBlocks, hashes + (<usize>i << 3), sa, sb, offs, table);
      store<u8>(out + i, <u8>r);
      hits += r;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const h = hashes + (<usize>i << 3);
      const blk = filter + blockOf(load<u32>(h, 4), numBlocks);
      const lo = load<u32>(h);
      let miss = bit(lo, S0) & ~load<u32>(blk);
      miss |= bit(lo, S1) & ~load<u32>(blk, 4);
      miss |= bit(lo, S2) & ~load<u32>(blk, 8);
      miss |= bit(lo, S3) & ~load<u32>(blk, 12);
      miss |= bit(lo, S4) & ~load<u32>(blk, 16);
      miss |= bit(lo, S5) & ~load<u32>(blk, 20);
      miss |= bit(lo, S6) & ~load<u32>(blk, 24);
      miss |= bit(lo, S7) & ~load<u32>(blk, 28);
      const r = <i32>(miss == 0);
      store<u8>(out + i, <u8>r);
      hits += r;
    }
  }
  return hits;
}
