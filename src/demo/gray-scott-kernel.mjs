// Gray–Scott explicit Euler update of a range of z planes, shared by the main
// thread and the simulation workers (plain JavaScript so a worker thread loads
// it under any loader). See gray-scott.ts for the model.
//
// Rows (fixed y, z) carry an activity flag: 0 means every voxel of the row is
// exactly background (u = 1, v = 0). A voxel whose seven stencil inputs are all
// background updates to exactly background (the Laplacians are exactly 0, the
// reaction terms exactly 0, and the result snaps), so a row whose own flag and
// four neighbour rows' flags are 0 is background at the next iteration too: it
// is skipped, or filled if its output buffer still holds something else. The
// arithmetic of every computed voxel is unchanged, so results are bit-identical
// to updating every voxel.

/** Concentrations within SNAP of the background are snapped to it (see gray-scott.ts). */
export const SNAP = 1e-6;

/** 1 if any voxel of row r differs from the background (u = 1, v = 0), else 0. */
export function rowFlags(u, v, nx, flags) {
  for (let r = 0, c = 0; r < flags.length; r++, c += nx) {
    let a = 0;
    for (let x = 0; x < nx; x++) {
      if (u[c + x] !== 1 || v[c + x] !== 0) {
        a = 1;
        break;
      }
    }
    flags[r] = a;
  }
}

/**
 * Update planes z0 ≤ z < z1: (u, v) with row flags `act` → (uo, vo), whose
 * flags `acto` describe the output buffers' current contents on entry and
 * their new contents on return.
 */
export function stepPlanes(u, v, uo, vo, act, acto, nx, ny, nz, z0, z1, Du, Dv, F, k) {
  const Fk = F + k;
  const nxy = nx * ny;
  for (let z = z0; z < z1; z++) {
    const zc = z * nxy;
    const zm = (z === 0 ? nz - 1 : z - 1) * nxy;
    const zp = (z === nz - 1 ? 0 : z + 1) * nxy;
    const rz = z * ny;
    const rzm = (z === 0 ? nz - 1 : z - 1) * ny;
    const rzp = (z === nz - 1 ? 0 : z + 1) * ny;
    for (let y = 0; y < ny; y++) {
      const ym = y === 0 ? ny - 1 : y - 1;
      const yp = y === ny - 1 ? 0 : y + 1;
      const r = rz + y;
      const yc = y * nx;
      const c0 = zc + yc;
      if ((act[r] | act[rz + ym] | act[rz + yp] | act[rzm + y] | act[rzp + y]) === 0) {
        if (acto[r] !== 0) {
          uo.fill(1, c0, c0 + nx);
          vo.fill(0, c0, c0 + nx);
          acto[r] = 0;
        }
        continue;
      }
      acto[r] = row(
        u,
        v,
        uo,
        vo,
        c0,
        nx,
        zc + ym * nx - c0,
        zc + yp * nx - c0,
        zm + yc - c0,
        zp + yc - c0,
        Du,
        Dv,
        F,
        Fk,
      );
    }
  }
}

/**
 * One row; d* are the neighbour offsets (constant along the row). Returns the
 * row's new flag. The x neighbours ride along in registers (fewer loads); the
 * sums are formed in the same order as written, so values are unchanged.
 */
function row(u, v, uo, vo, c0, nx, dyM, dyP, dzM, dzP, Du, Dv, F, Fk) {
  const last = c0 + nx - 1;
  let a = false;
  let uL = u[c0];
  let uC = u[c0 + 1];
  let vL = v[c0];
  let vC = v[c0 + 1];
  // x wraps only at the two row ends: do those apart, keep the inner loop branch-free.
  for (let c = c0 + 1; c < last; c++) {
    const uR = u[c + 1];
    const vR = v[c + 1];
    const lu = uL + uR + u[c + dyM] + u[c + dyP] + u[c + dzM] + u[c + dzP] - 6 * uC;
    const lv = vL + vR + v[c + dyM] + v[c + dyP] + v[c + dzM] + v[c + dzP] - 6 * vC;
    const uvv = uC * vC * vC;
    let un = uC + Du * lu - uvv + F * (1 - uC);
    let vn = vC + Dv * lv + uvv - Fk * vC;
    if (Math.abs(un - 1) < SNAP) un = 1;
    else a = true;
    if (Math.abs(vn) < SNAP) vn = 0;
    else a = true;
    uo[c] = un;
    vo[c] = vn;
    uL = uC;
    uC = uR;
    vL = vC;
    vC = vR;
  }
  const e0 = edge(u, v, uo, vo, c0, last, c0 + 1, dyM, dyP, dzM, dzP, Du, Dv, F, Fk);
  const e1 = edge(u, v, uo, vo, last, last - 1, c0, dyM, dyP, dzM, dzP, Du, Dv, F, Fk);
  return a || e0 || e1 ? 1 : 0;
}

/** One voxel with explicit x neighbours (row ends, where x wraps). Returns its flag. */
function edge(u, v, uo, vo, c, cm, cp, dyM, dyP, dzM, dzP, Du, Dv, F, Fk) {
  const uc = u[c];
  const vc = v[c];
  const lu = u[cm] + u[cp] + u[c + dyM] + u[c + dyP] + u[c + dzM] + u[c + dzP] - 6 * uc;
  const lv = v[cm] + v[cp] + v[c + dyM] + v[c + dyP] + v[c + dzM] + v[c + dzP] - 6 * vc;
  const uvv = uc * vc * vc;
  const un = uc + Du * lu - uvv + F * (1 - uc);
  const vn = vc + Dv * lv + uvv - Fk * vc;
  const us = Math.abs(un - 1) < SNAP ? 1 : un;
  const vs = Math.abs(vn) < SNAP ? 0 : vn;
  uo[c] = us;
  vo[c] = vs;
  return us !== 1 || vs !== 0;
}

/**
 * Work sharing between threads through shared Int32Arrays `ctrl` and `prog`
 * (iterations completed per z-slab). Ticket t = i·slabs + s is slab s of
 * iteration i; threads claim tickets in order by compare-and-swap, up to
 * ctrl[END]. A ticket runs once slabs s−1, s, s+1 (periodic) have completed
 * iteration i − 1: they produce its inputs and have finished reading the
 * buffer it overwrites. There is no barrier per iteration, so a thread that
 * the OS deschedules holds up only its neighbours. Every voxel's update
 * depends only on the previous iteration, so who computes a slab, and when,
 * does not change the result.
 */
export const CTRL = { NEXT: 0, END: 1, DONE: 2, STOP: 3, ERROR: 4, HELPED: 5, LENGTH: 8 };

/** Buffers of iteration i: input (u, v, flags) = set i & 1, output = the other set. */
export function runSlab(g, i, slab) {
  const a = i & 1;
  const b = a ^ 1;
  const z0 = slab * g.planes;
  const z1 = Math.min(g.nz, z0 + g.planes);
  const p = g.p;
  stepPlanes(g.u[a], g.v[a], g.u[b], g.v[b], g.f[a], g.f[b], g.nx, g.ny, g.nz, z0, z1, p.Du, p.Dv, p.F, p.k);
}

/** Block until slab s has completed `iterations` (or a helper failed). */
export function waitSlab(ctrl, prog, s, iterations) {
  while (Atomics.load(prog, s) < iterations) {
    const done = Atomics.load(ctrl, CTRL.DONE);
    if (Atomics.load(prog, s) >= iterations) return;
    if (Atomics.load(ctrl, CTRL.ERROR) !== 0) throw new Error("gray-scott worker failed");
    Atomics.wait(ctrl, CTRL.DONE, done, 100);
  }
}

/** Claim and run tickets until ctrl[NEXT] reaches `end`; returns how many this thread ran. */
export function runTickets(ctrl, prog, g, end) {
  const S = g.slabs;
  let ran = 0;
  for (;;) {
    const t = Atomics.load(ctrl, CTRL.NEXT);
    if (t >= end) return ran;
    if (Atomics.compareExchange(ctrl, CTRL.NEXT, t, t + 1) !== t) continue;
    const i = Math.floor(t / S);
    const s = t - i * S;
    waitSlab(ctrl, prog, s === 0 ? S - 1 : s - 1, i);
    waitSlab(ctrl, prog, s, i);
    waitSlab(ctrl, prog, s === S - 1 ? 0 : s + 1, i);
    runSlab(g, i, s);
    Atomics.store(prog, s, i + 1);
    Atomics.add(ctrl, CTRL.DONE, 1);
    Atomics.notify(ctrl, CTRL.DONE);
    ran++;
  }
}
