/**
 * Bricked multi-resolution ray marching. The page table has one texel per
 * level-0 brick; it names the finest resident brick covering that cell
 * (atlas slot + level), or a uniform value, or "missing". Sampling maps a
 * level-0 voxel position into that brick's slot in the atlas, so bricks of
 * different levels mix freely and a coarse parent fills in until its children
 * arrive.
 */
export const MAX_LEVELS = 12;

export const volumeVertex = /* glsl */ `
out vec3 vLocal;
out vec3 vEyeLocal;
void main() {
  vLocal = position;
  vEyeLocal = (inverse(modelMatrix) * vec4(cameraPosition, 1.0)).xyz;
  gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
}
`;

export const volumeFragment = /* glsl */ `
precision highp float;
precision highp sampler3D;
in vec3 vLocal;
in vec3 vEyeLocal;
out vec4 outColor;

uniform sampler3D uAtlas;
uniform sampler3D uPages;
uniform sampler3D uOcc;    // max value per MACRO³ block of level-0 voxels
uniform float uVisible;    // smallest normalized value that can show
uniform float uMacro;
uniform sampler2D uTf;
uniform vec3 uAtlasSize;
uniform vec3 uDims0;
uniform vec3 uLevelDims[${MAX_LEVELS}];
uniform float uBrick;
uniform vec2 uWindow;      // normalized value range mapped onto the transfer function
uniform float uIso;        // normalized iso value
uniform int uMode;         // 0 composite, 1 MIP, 2 isosurface
uniform vec3 uClipMin;     // [0,1] box coordinates
uniform vec3 uClipMax;
uniform float uSteps;
uniform float uOpacityScale;
uniform float uSeamless;   // 1: filter across brick faces (see sampleEntry)
uniform vec3 uVoxelWorld;  // world size of a level-0 voxel (for gradients)
uniform int uScale;        // value scale: 0 linear, 1 log10, 2 symlog (see transfer-function.ts)
uniform vec2 uRaw;         // field value = normalized value * uRaw.y + uRaw.x
uniform vec2 uScaled;      // window ends after the scale's transform
uniform float uLinthresh;  // symlog's linear half-width (field units)

const float MISSING = -1e6;

vec3 pageCell(vec3 p) {
  return clamp(floor(p / uBrick), vec3(0.0), vec3(textureSize(uPages, 0)) - 1.0);
}

// Sample a level-0 voxel position through page entry e, filtering inside that brick only.
float sampleInside(vec4 e, vec3 cell, vec3 p) {
  if (e.w >= 100.0) return e.x;
  int L = int(e.w + 0.5);
  float s = exp2(e.w);
  vec3 b = floor(cell / s);
  vec3 local = p / s - b * uBrick;
  vec3 cd = min(vec3(uBrick), uLevelDims[L] - b * uBrick);
  local = clamp(local, vec3(0.5), cd - 0.5);
  return texture(uAtlas, (e.xyz + local) / uAtlasSize).r;
}

// Sample through page entry e. Bricks carry no apron, so within half a voxel
// of a brick face the hardware filter would clamp at the face and show a
// seam: there the eight neighbouring voxel centres of the brick's level are
// fetched one by one, each through the page entry of the cell holding it
// (a neighbour brick, possibly of another level), and blended trilinearly.
float sampleEntry(vec4 e, vec3 cell, vec3 p) {
  if (e.w >= 100.0) return e.x;
  int L = int(e.w + 0.5);
  float s = exp2(e.w);
  vec3 b = floor(cell / s);
  vec3 local = p / s - b * uBrick;
  vec3 cd = min(vec3(uBrick), uLevelDims[L] - b * uBrick);
  if (uSeamless < 0.5 || (all(greaterThanEqual(local, vec3(0.5))) && all(lessThanEqual(local, cd - 0.5))))
    return texture(uAtlas, (e.xyz + clamp(local, vec3(0.5), cd - 0.5)) / uAtlasSize).r;
  vec3 q = p / s - 0.5;
  vec3 i0 = floor(q);
  vec3 f = q - i0;
  vec3 hiL = uLevelDims[L] - 1.0;
  float own = texture(uAtlas, (e.xyz + clamp(local, vec3(0.5), cd - 0.5)) / uAtlasSize).r;
  float c[8];
  for (int k = 0; k < 8; k++) {
    vec3 o = vec3(float(k & 1), float((k >> 1) & 1), float((k >> 2) & 1));
    vec3 v = clamp(i0 + o, vec3(0.0), hiL);
    vec3 lv = v - b * uBrick;
    if (all(greaterThanEqual(lv, vec3(0.0))) && all(lessThan(lv, cd))) {
      c[k] = texture(uAtlas, (e.xyz + lv + 0.5) / uAtlasSize).r;
    } else {
      vec3 pn = (v + 0.5) * s;
      vec3 ncell = pageCell(pn);
      vec4 ne = texelFetch(uPages, ivec3(ncell), 0);
      c[k] = ne.w < 0.0 ? own : sampleInside(ne, ncell, pn);
    }
  }
  float x00 = mix(c[0], c[1], f.x);
  float x10 = mix(c[2], c[3], f.x);
  float x01 = mix(c[4], c[5], f.x);
  float x11 = mix(c[6], c[7], f.x);
  return mix(mix(x00, x10, f.y), mix(x01, x11, f.y), f.z);
}

// Value at a level-0 voxel position (MISSING where nothing is resident).
float sampleVolume(vec3 p) {
  vec3 cell = pageCell(p);
  vec4 e = texelFetch(uPages, ivec3(cell), 0);
  if (e.w < 0.0) return MISSING;
  return sampleEntry(e, cell, p);
}

vec2 hitBox(vec3 o, vec3 d, vec3 bmin, vec3 bmax) {
  vec3 inv = 1.0 / d;
  vec3 t0 = (bmin - o) * inv;
  vec3 t1 = (bmax - o) * inv;
  vec3 tmin = min(t0, t1);
  vec3 tmax = max(t0, t1);
  return vec2(max(max(tmin.x, tmin.y), tmin.z), min(min(tmax.x, tmax.y), tmax.z));
}

// Position of a normalized value in the window; log of a value <= 0 is below it.
float windowPos(float v) {
  if (uScale == 0) return (v - uWindow.x) / max(uWindow.y - uWindow.x, 1e-9);
  float r = v * uRaw.y + uRaw.x;
  float s;
  if (uScale == 1) {
    if (r <= 0.0) return -1.0;
    s = log2(r) * 0.30102999566;
  } else {
    s = sign(r) * log2(1.0 + abs(r) / uLinthresh) * 0.30102999566;
  }
  return (s - uScaled.x) / max(uScaled.y - uScaled.x, 1e-30);
}

vec4 tf(float v) {
  return texture(uTf, vec2(clamp(windowPos(v), 0.0, 1.0), 0.5));
}

vec3 gradient(vec3 p) {
  vec3 h = vec3(1.0, 0.0, 0.0);
  float c = sampleVolume(p);
  float gx = sampleVolume(p + h.xyy) - sampleVolume(p - h.xyy);
  float gy = sampleVolume(p + h.yxy) - sampleVolume(p - h.yxy);
  float gz = sampleVolume(p + h.yyx) - sampleVolume(p - h.yyx);
  return vec3(gx, gy, gz) / uVoxelWorld;
}

void main() {
  vec3 dir = normalize(vLocal - vEyeLocal);
  vec2 t = hitBox(vEyeLocal, dir, uClipMin, uClipMax);
  t.x = max(t.x, 0.0);
  if (t.x >= t.y) discard;
  // March in level-0 voxel units.
  vec3 a = (vEyeLocal + dir * t.x) * uDims0;
  vec3 b = (vEyeLocal + dir * t.y) * uDims0;
  float len = length(b - a);
  if (len <= 0.0) discard;
  vec3 dv = (b - a) / len;
  float stepVox = max(0.5, length(uDims0) / uSteps);
  // Jitter the start to trade banding for fine noise.
  float j = fract(sin(dot(gl_FragCoord.xy, vec2(12.9898, 78.233))) * 43758.5453);
  float tc = stepVox * j;
  vec3 safe = vec3(abs(dv.x) < 1e-6 ? 1e-6 : dv.x, abs(dv.y) < 1e-6 ? 1e-6 : dv.y, abs(dv.z) < 1e-6 ? 1e-6 : dv.z);
  vec4 acc = vec4(0.0);
  float best = -1e30;
  float prev = MISSING;
  for (int i = 0; i < 2048; i++) {
    if (tc >= len) break;
    vec3 p = a + dv * tc;
    vec3 mc = clamp(floor(p / uMacro), vec3(0.0), vec3(textureSize(uOcc, 0)) - 1.0);
    if (texelFetch(uOcc, ivec3(mc), 0).r < uVisible) {
      // Nothing visible in this block (or nothing resident): jump to where the ray leaves it.
      vec3 far = (mc + step(0.0, safe)) * uMacro;
      vec3 tx = (far - p) / safe;
      float texit = min(tx.x, min(tx.y, tx.z));
      tc += max(ceil(max(texit, 0.0) / stepVox), 1.0) * stepVox;
      prev = MISSING;
      continue;
    }
    vec3 cell = pageCell(p);
    vec4 e = texelFetch(uPages, ivec3(cell), 0);
    if (e.w < 0.0) {
      // Missing or fully transparent brick: jump to where the ray leaves its cell.
      vec3 far = (cell + step(0.0, safe)) * uBrick;
      vec3 tx = (far - p) / safe;
      float texit = min(tx.x, min(tx.y, tx.z));
      tc += max(ceil(max(texit, 0.0) / stepVox), 1.0) * stepVox;
      prev = MISSING;
      continue;
    }
    float v = sampleEntry(e, cell, p);
    if (uMode == 0) {
      vec4 c = tf(v);
      float al = 1.0 - pow(max(1.0 - c.a * uOpacityScale, 0.0), stepVox);
      acc.rgb += (1.0 - acc.a) * al * c.rgb;
      acc.a += (1.0 - acc.a) * al;
      if (acc.a > 0.98) break;
    } else if (uMode == 1) {
      best = max(best, v);
    } else if (v >= uIso) {
      // Refine the crossing linearly between the previous and this sample.
      vec3 q = p;
      if (prev > MISSING * 0.5 && prev < uIso) q = p - dv * stepVox * (v - uIso) / max(v - prev, 1e-9);
      vec3 g = gradient(q);
      vec3 nrm = length(g) > 1e-12 ? -normalize(g) : -dir;
      float diff = abs(dot(nrm, normalize(dir)));
      vec3 base = tf(uIso).rgb;
      vec3 col = base * (0.3 + 0.7 * diff) + vec3(0.2) * pow(diff, 24.0);
      acc = vec4(col, 1.0);
      break;
    }
    prev = v;
    tc += stepVox;
  }
  if (uMode == 1) {
    if (best < -1e29) discard;
    vec4 c = tf(best);
    float x = windowPos(best);
    acc = vec4(c.rgb, x <= 0.0 ? 0.0 : 1.0);
  }
  if (acc.a <= 0.0) discard;
  outColor = vec4(acc.rgb / max(acc.a, 1e-6), acc.a);
}
`;
