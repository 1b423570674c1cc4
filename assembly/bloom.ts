// Parquet split-block bloom filter: 256-bit blocks of 8 little-endian u32
// words; a key sets one bit per word, chosen by the low hash half times a salt.

// i32 lanes: the salts 0x8824ad5b, 0xa2b7289d, 0x9efc4947 as signed values.
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

// 1 << y per lane without a per-lane shift: build the float 2^y and truncate.
// The signed truncation is much cheaper than the unsigned one on x86; it
// saturates 2^31 to 0x7fffffff, which the final step bumps to 0x80000000.
@inline function maskVec(lo: v128, salts: v128): v128 {
  const y = i32x4.shr_u(i32x4.mul(lo, salts), 27);
  const pow = i32x4.shl(i32x4.add(y, i32x4.splat(127)), 23);
  const r = i32x4.trunc_sat_f32x4_s(pow);
  return i32x4.sub(r, i32x4.eq(r, i32x4.splat(0x7fffffff)));
}

@inline function bit(lo: u32, salt: u32): u32 {
  return <u32>1 << ((lo * salt) >> 27);
}

export function sbbfInsert(filter: usize, numBlocks: u32, hashes: usize, n: i32): void {
  if (ASC_FEATURE_SIMD) {
    const sa = i32x4(S0, S1, S2, S3);
    const sb = i32x4(S4, S5, S6, S7);
    for (let i = 0; i < n; i++) {
      const h = hashes + (<usize>i << 3);
      const blk = filter + blockOf(load<u32>(h, 4), numBlocks);
      const lo = i32x4.splat(load<u32>(h));
      v128.store(blk, v128.or(v128.load(blk), maskVec(lo, sa)));
      v128.store(blk, v128.or(v128.load(blk, 16), maskVec(lo, sb)), 16);
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
    const sa = i32x4(S0, S1, S2, S3);
    const sb = i32x4(S4, S5, S6, S7);
    for (let i = 0; i < n; i++) {
      const h = hashes + (<usize>i << 3);
      const blk = filter + blockOf(load<u32>(h, 4), numBlocks);
      const lo = i32x4.splat(load<u32>(h));
      const miss = v128.or(
        v128.andnot(maskVec(lo, sa), v128.load(blk)),
        v128.andnot(maskVec(lo, sb), v128.load(blk, 16)),
      );
      const r = <i32>!v128.any_true(miss);
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
