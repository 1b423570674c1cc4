// xxHash32, the format's checksum of stored bytes (src/format/xxhash32.ts is
// its JS twin). The four stripe lanes are independent scalar chains: each
// step is a dependent multiply, so one i32x4 chain would be slower than four
// scalar chains the CPU overlaps; both builds run this code.

const Q1: u32 = 0x9e3779b1;
const Q2: u32 = 0x85ebca77;
const Q3: u32 = 0xc2b2ae3d;
const Q4: u32 = 0x27d4eb2f;
const Q5: u32 = 0x165667b1;

@inline function round(acc: u32, lane: u32): u32 {
  return rotl<u32>(acc + lane * Q2, 13) * Q1;
}

/** xxHash32 of `len` bytes at `p` with `seed`. */
export function xxhash32(p: usize, len: i32, seed: u32): u32 {
  const end = p + <usize>len;
  let h: u32;
  if (len >= 16) {
    let v1 = seed + Q1 + Q2;
    let v2 = seed + Q2;
    let v3 = seed;
    let v4 = seed - Q1;
    const limit = end - 16;
    do {
      v1 = round(v1, load<u32>(p));
      v2 = round(v2, load<u32>(p, 4));
      v3 = round(v3, load<u32>(p, 8));
      v4 = round(v4, load<u32>(p, 12));
      p += 16;
    } while (p <= limit);
    h = rotl<u32>(v1, 1) + rotl<u32>(v2, 7) + rotl<u32>(v3, 12) + rotl<u32>(v4, 18);
  } else {
    h = seed + Q5;
  }
  h += <u32>len;
  while (p + 4 <= end) {
    h = rotl<u32>(h + load<u32>(p) * Q3, 17) * Q4;
    p += 4;
  }
  while (p < end) {
    h = rotl<u32>(h + <u32>load<u8>(p) * Q5, 11) * Q1;
    p++;
  }
  h ^= h >> 15;
  h *= Q2;
  h ^= h >> 13;
  h *= Q3;
  h ^= h >> 16;
  return h;
}
