// Selective scan (Mamba S6) with CSI-ReST injection: OpenMP CPU kernels, forward and backward,
// over one or several scan orders (GSSM directions) read and written through index maps.
//
// Plain C ABI on raw strided buffers (no torch headers: compiles in about a second);
// built and loaded by linksim/mamba/scan_cpp.py through torch.utils.cpp_extension.load.
//
// One call = one Args struct (see below) for nd scan orders k = 0 .. nd-1 of one sequence.
// nblk = ceil(D / kW), Dp = nblk * kW. Element (b, d, p) of a [B, D, L] buffer is at
// b*s_b + d*s_d + p*s_t (u, z, y, gy, du, dz share the strides s_*; the PyTorch layout
// [B, D, L] has s_d = L, s_t = 1, the time-major [B, L, D] has s_d = 1, s_t = D);
// dl (raw delta, [nd, B, D, L]) and ddl have the strides l_* / g_*; Bc, Cc (and dBc, dCc)
// hold B_k[b, p, n] at k*c_k + b*c_b + p*c_t + n (n contiguous); AT, dAT [nd, N, Dp]
// (A transposed, zero-padded); bias, Dskip, dbias, dD [nd, Dp]; pos [nd, L] int64: scan step t
// of order k reads and writes sequence position pos[k*L + t] (null: p = t, one order);
// inj [L] uint8 (1: write csi[b] into state n=0 of the state entering scan step t); csi,
// dcsi [B]; ck [nd, B, nblk, nck, N, kW]: the state entering step c*K (before any write at that
// step), nck = ceil(L / K). Optional buffers may be null.
// Per order k, (b, d, n), scan step t = 0 .. L-1 with p = pos_k[t]:
//   dt = softplus(dl_k[p] + bias_k) (or dl_k[p] + bias_k);  hh = h, with hh[0] = csi[b] if inj[t];
//   h = exp(dt*A_k) * hh + dt*u[p]*B_k[p, n];  y[p] += sum_n C_k[p, n] h[n] + Dskip_k*u[p];
// then y *= silu(z) (z only with nd = 1). The backward zero-fills nothing: du, dBc, dCc, dAT,
// dbias, dD, dcsi must come zeroed (they are accumulated), ddl and dz are written.
// Parallel over (b, block of kW channels), the kW channels being the SIMD lanes (one GCC vector,
// VecF/VecD, so the exp of the recurrence is vectorized); sums over channels (dB, dC, dcsi) and
// over batch (dA, dbias, dD) go through per-thread buffers.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>
#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace {

constexpr int64_t kMaxN = 256;
// exponentials of the recurrence computed together (G independent dependency chains)
constexpr int kExpGroup = 4;
// channels per vector block (one task = kW channels of one batch element): one machine
// register of floats. GCC splits wider generic vectors badly (per-lane compares, stack
// round trips for every shuffle), so the block is exactly the register width.
#if defined(__AVX512F__)
constexpr int kW = 16;
#else
constexpr int kW = 8;
#endif

// kW lanes of float / double as one GCC vector (split into the machine's SIMD registers)
typedef float VecF __attribute__((vector_size(kW * sizeof(float))));
typedef int32_t VecI __attribute__((vector_size(kW * sizeof(int32_t))));
typedef double VecD __attribute__((vector_size(kW * sizeof(double))));
typedef float VecF8 __attribute__((vector_size(8 * sizeof(float))));
typedef float VecF4 __attribute__((vector_size(4 * sizeof(float))));
template <typename T> struct LanesOf;
template <> struct LanesOf<float> { using type = VecF; };
template <> struct LanesOf<double> { using type = VecD; };

inline VecI trunc_i32(VecF k) { return __builtin_convertvector(k, VecI); }

// x if a > b else y, per lane (a native-width vector compare and blend)
template <typename V> inline V sel_gt(V a, V b, V x, V y) { return a > b ? x : y; }
template <typename V> inline V vmax(V a, V b) { return sel_gt(a, b, a, b); }
template <typename V> inline V vmin(V a, V b) { return sel_gt(a, b, b, a); }
#if defined(__AVX__) && !defined(__AVX512F__)
// the same selections as one instruction each: maxps(a, b) is exactly a > b ? a : b and
// minps(b, a) exactly b < a ? b : a (NaN and signed zeros included), which GCC does not
// derive from the generic compare-and-blend
template <> inline VecF vmax(VecF a, VecF b) { return (VecF)_mm256_max_ps((__m256)a, (__m256)b); }
template <> inline VecF vmin(VecF a, VecF b) { return (VecF)_mm256_min_ps((__m256)b, (__m256)a); }
#endif

inline VecD exp_k(VecD x) {
  for (int w = 0; w < kW; ++w) x[w] = std::exp(x[w]);
  return x;
}

// Cephes-style expf (max rel. error ~2 ulp), branch-free, of G independent vectors of kW
// lanes, one stage at a time over all G: G dependency chains of ~20 operations are in flight
// at once instead of one (the recurrence's exponentials come in groups of kExpGroup).
template <int G>
inline void exp_many(VecF* x) {
#pragma GCC unroll 16
  for (int j = 0; j < G; ++j) x[j] = vmin(vmax(x[j], VecF{} - 87.f), VecF{} + 88.f);
  // round to nearest with the 1.5 * 2^23 trick (vectorized std::floor is very slow on some CPUs)
  VecF k[G], p[G];
#pragma GCC unroll 16
  for (int j = 0; j < G; ++j) k[j] = (x[j] * 1.44269504088896341f + 12582912.f) - 12582912.f;
#pragma GCC unroll 16
  for (int j = 0; j < G; ++j) x[j] = x[j] - k[j] * 0.693359375f + k[j] * 2.12194440e-4f;
#pragma GCC unroll 16
  for (int j = 0; j < G; ++j) p[j] = (VecF{} + 1.9875691500e-4f) * x[j] + 1.3981999507e-3f;
#pragma GCC unroll 16
  for (int j = 0; j < G; ++j) p[j] = p[j] * x[j] + 8.3334519073e-3f;
#pragma GCC unroll 16
  for (int j = 0; j < G; ++j) p[j] = p[j] * x[j] + 4.1665795894e-2f;
#pragma GCC unroll 16
  for (int j = 0; j < G; ++j) p[j] = p[j] * x[j] + 1.6666665459e-1f;
#pragma GCC unroll 16
  for (int j = 0; j < G; ++j) p[j] = p[j] * x[j] + 5.0000001201e-1f;
#pragma GCC unroll 16
  for (int j = 0; j < G; ++j) p[j] = p[j] * x[j] * x[j] + x[j] + 1.0f;
#pragma GCC unroll 16
  for (int j = 0; j < G; ++j) {
    const VecI bits = (trunc_i32(k[j]) + 127) << 23;
    VecF sc;
    std::memcpy(&sc, &bits, sizeof(sc));
    x[j] = p[j] * sc;
  }
}
inline VecF exp_k(VecF x) {
  exp_many<1>(&x);
  return x;
}
template <int G>
inline void exp_many(VecD* x) {
  for (int j = 0; j < G; ++j) x[j] = exp_k(x[j]);
}


// log(1 + e) for e in [0, 1]: 2 atanh(s), s = e / (2 + e) <= 1/3 (series to s^15, ~1e-9 rel.)
inline VecF log1p_unit(VecF e) {
  const VecF s = e / (2.f + e), s2 = s * s;
  VecF p = VecF{} + 1.f / 15.f;
  p = p * s2 + 1.f / 13.f;
  p = p * s2 + 1.f / 11.f;
  p = p * s2 + 1.f / 9.f;
  p = p * s2 + 1.f / 7.f;
  p = p * s2 + 1.f / 5.f;
  p = p * s2 + 1.f / 3.f;
  p = p * s2 + 1.f;
  return 2.f * s * p;
}
inline VecD log1p_unit(VecD e) {
  for (int w = 0; w < kW; ++w) e[w] = std::log1p(e[w]);
  return e;
}

// torch.nn.functional.softplus (beta 1, threshold 20) and the logistic sigmoid, per lane
template <typename V>
inline V softplus_k(V x) {
  const V sp = vmax(x, V{}) + log1p_unit(exp_k(vmin(x, -x)));  // exp(-|x|)
  return sel_gt(x, V{} + 20, x, sp);
}
template <typename V>
inline V sigmoid_k(V x) { return 1 / (1 + exp_k(-x)); }

// sums of the lanes of two vectors at once (the dB and dC reductions of the backward)
inline void hsum2(VecF a, VecF b, float& sa, float& sb) {
#if defined(__AVX512F__)
  const VecF8 a8 = __builtin_shufflevector(a, a, 0, 1, 2, 3, 4, 5, 6, 7) +
                   __builtin_shufflevector(a, a, 8, 9, 10, 11, 12, 13, 14, 15);
  const VecF8 b8 = __builtin_shufflevector(b, b, 0, 1, 2, 3, 4, 5, 6, 7) +
                   __builtin_shufflevector(b, b, 8, 9, 10, 11, 12, 13, 14, 15);
#else
  const VecF8 a8 = a, b8 = b;
#endif
  const VecF4 a4 = __builtin_shufflevector(a8, a8, 0, 1, 2, 3) + __builtin_shufflevector(a8, a8, 4, 5, 6, 7);
  const VecF4 b4 = __builtin_shufflevector(b8, b8, 0, 1, 2, 3) + __builtin_shufflevector(b8, b8, 4, 5, 6, 7);
  const VecF4 c = __builtin_shufflevector(a4, b4, 0, 1, 4, 5) + __builtin_shufflevector(a4, b4, 2, 3, 6, 7);
  sa = c[0] + c[1];
  sb = c[2] + c[3];
}
inline void hsum2(VecD a, VecD b, double& sa, double& sb) {
  sa = 0;
  sb = 0;
  for (int w = 0; w < kW; ++w) { sa += a[w]; sb += b[w]; }
}

// All buffers of one call (typeless so that one C struct serves float and double).
struct Args {
  const void *u, *dl, *AT, *Bc, *Cc, *bias, *Dskip, *z, *csi;
  const uint8_t* inj;
  const int64_t* pos;
  void *y, *ck;          // forward outputs (ck: null when no gradient is needed)
  const void* gy;        // backward input (strides s_*)
  void *du, *ddl, *dAT, *dBc, *dCc, *dbias, *dD, *dz, *dcsi;  // backward outputs
  int64_t B, D, L, N, K, nd;
  int64_t s_b, s_d, s_t;             // u, z, y, gy, du, dz
  int64_t l_k, l_b, l_d, l_t;        // dl
  int64_t g_k, g_b, g_d, g_t;        // ddl
  int64_t c_k, c_b, c_t;             // Bc, Cc
  int64_t e_k, e_b, e_t;             // dBc, dCc
  int32_t softplus, nt;
};

template <typename T>
struct View {  // typed view of Args
  const T *u, *dl, *AT, *Bc, *Cc, *bias, *Dskip, *z, *csi, *gy;
  T *y, *ck, *du, *ddl, *dAT, *dBc, *dCc, *dbias, *dD, *dz, *dcsi;
  explicit View(const Args& a)
      : u((const T*)a.u), dl((const T*)a.dl), AT((const T*)a.AT), Bc((const T*)a.Bc),
        Cc((const T*)a.Cc), bias((const T*)a.bias), Dskip((const T*)a.Dskip), z((const T*)a.z),
        csi((const T*)a.csi), gy((const T*)a.gy), y((T*)a.y), ck((T*)a.ck), du((T*)a.du),
        ddl((T*)a.ddl), dAT((T*)a.dAT), dBc((T*)a.dBc), dCc((T*)a.dCc), dbias((T*)a.dbias),
        dD((T*)a.dD), dz((T*)a.dz), dcsi((T*)a.dcsi) {}
};

// lanes w < nv of src[w * sd] (0 beyond; a null src reads as 0)
template <typename V, typename T>
inline V load(const T* src, int64_t sd, int64_t nv) {
  V v{};
  if (!src) return v;
  if (sd == 1 && nv == kW) {
    std::memcpy(&v, src, sizeof(V));
    return v;
  }
  for (int w = 0; w < nv; ++w) v[w] = src[w * sd];
  return v;
}

template <typename V, typename T>
inline void store(T* dst, int64_t sd, int64_t nv, const V& v) {
  if (sd == 1 && nv == kW) {
    std::memcpy(dst, &v, sizeof(V));
    return;
  }
  for (int w = 0; w < nv; ++w) dst[w * sd] = v[w];
}

// per-lane copy of kW entries of a [Dp] vector (0 where absent)
template <typename V, typename T>
inline V lanes(const T* v, int64_t off) {
  V out{};
  if (v) std::memcpy(&out, v + off, sizeof(V));
  return out;
}

// One step of the recurrence for states n < N of a block of channels:
//   a_n = exp(dt * A_n),  h_n <- a_n * h_n + du * B_n,  acc += C_n * h_n   (n in order),
// the exponentials kExpGroup at a time. With hp, ap (the backward's recomputation) the
// state entering the step and a_n are kept. Returns acc.
template <int G, typename V, typename T>
inline V update_group(V* h, const V* A, V dt, V du, const T* Bv, const T* Cv, V acc, V* hp,
                      V* ap) {
  V e[G];
#pragma GCC unroll 16
  for (int j = 0; j < G; ++j) e[j] = dt * A[j];
  exp_many<G>(e);
#pragma GCC unroll 16
  for (int j = 0; j < G; ++j) {
    if (hp) {
      hp[j] = h[j];
      ap[j] = e[j];
    }
    const V hn = e[j] * h[j] + du * Bv[j];
    h[j] = hn;
    acc += Cv[j] * hn;
  }
  return acc;
}
template <typename V, typename T>
inline V update_states(V* h, const V* A, int64_t N, V dt, V du, const T* Bv, const T* Cv, V acc,
                       V* hp = nullptr, V* ap = nullptr) {
  int64_t n = 0;
  for (; n + kExpGroup <= N; n += kExpGroup)
    acc = update_group<kExpGroup>(h + n, A + n, dt, du, Bv + n, Cv + n, acc,
                                  hp ? hp + n : nullptr, ap ? ap + n : nullptr);
  for (; n < N; ++n)
    acc = update_group<1>(h + n, A + n, dt, du, Bv + n, Cv + n, acc, hp ? hp + n : nullptr,
                          ap ? ap + n : nullptr);
  return acc;
}

template <typename T, int NC>
void forward(const Args& a) {
  using V = typename LanesOf<T>::type;
  static_assert(sizeof(V) == kW * sizeof(T), "one lane per channel of the block");
  const View<T> v(a);
  const int64_t B = a.B, D = a.D, L = a.L, N = NC > 0 ? NC : a.N, K = a.K;
  const int64_t nck = (L + K - 1) / K, nblk = (D + kW - 1) / kW, Dp = nblk * kW;
#pragma omp parallel for num_threads(a.nt) schedule(dynamic, 1)
  for (int64_t task = 0; task < B * nblk; ++task) {
    const int64_t b = task / nblk, blk = task % nblk, d0 = blk * kW;
    const int64_t nv = std::min<int64_t>(kW, D - d0);
    const T* ub = v.u + b * a.s_b + d0 * a.s_d;
    T* yb = v.y + b * a.s_b + d0 * a.s_d;
    const T* zb = v.z ? v.z + b * a.s_b + d0 * a.s_d : nullptr;
    for (int64_t k = 0; k < a.nd; ++k) {
      V h[kMaxN], A[kMaxN];
      for (int64_t n = 0; n < N; ++n) {
        h[n] = V{};
        A[n] = lanes<V>(v.AT, (k * N + n) * Dp + d0);
      }
      const V bias_w = lanes<V>(v.bias, k * Dp + d0), D_w = lanes<V>(v.Dskip, k * Dp + d0);
      const int64_t* pos = a.pos ? a.pos + k * L : nullptr;
      const T* dlb = v.dl + k * a.l_k + b * a.l_b + d0 * a.l_d;
      const T* Bb = v.Bc + k * a.c_k + b * a.c_b;
      const T* Cb = v.Cc + k * a.c_k + b * a.c_b;
      T* ck = v.ck ? v.ck + ((k * B + b) * nblk + blk) * nck * N * kW : nullptr;
      constexpr int64_t TC = 16;  // steps whose Delta is computed ahead of their recurrence
      V dts[TC], uus[TC];
      for (int64_t t = 0; t < L; ++t) {
        const int64_t p = pos ? pos[t] : t;
        if (t % TC == 0) {
          // Delta of the next TC steps: independent of the state, so these softplus chains
          // overlap each other instead of stalling every step of the recurrence
          for (int64_t s = t; s < std::min(L, t + TC); ++s) {
            const int64_t q = pos ? pos[s] : s;
            const V x = load<V>(dlb + q * a.l_t, a.l_d, nv) + bias_w;
            dts[s - t] = a.softplus ? softplus_k(x) : x;
            uus[s - t] = load<V>(ub + q * a.s_t, a.s_d, nv);
          }
        }
        if (ck && t % K == 0) std::memcpy(ck + (t / K) * N * kW, h, N * sizeof(V));
        if (a.inj && a.inj[t]) h[0] = V{} + v.csi[b];
        const V dt = dts[t % TC], uu = uus[t % TC];
        const V du = dt * uu;
        V acc = D_w * uu;
        const T* Bv = Bb + p * a.c_t;
        const T* Cv = Cb + p * a.c_t;
        acc = update_states(h, A, N, dt, du, Bv, Cv, acc);
        T* yp = yb + p * a.s_t;
        if (k > 0) acc += load<V>(yp, a.s_d, nv);
        if (zb && k == a.nd - 1) {
          const V zz = load<V>(zb + p * a.s_t, a.s_d, nv);
          acc *= zz * sigmoid_k(zz);
        }
        store(yp, a.s_d, nv, acc);
      }
    }
  }
}

template <typename T>
void backward(const Args& a) {
  using V = typename LanesOf<T>::type;
  const View<T> v(a);
  const int64_t B = a.B, D = a.D, L = a.L, N = a.N, K = a.K, nd = a.nd;
  const int64_t nck = (L + K - 1) / K, nblk = (D + kW - 1) / kW, Dp = nblk * kW;
#pragma omp parallel num_threads(a.nt)
  {
    // per-thread scratch: one chunk's states and decays, its per-step lanes, partial sums
    std::vector<V> hs(K * N), as(K * N), dtc(K), slc(K), uc(K), gc(K);
    std::vector<T> dBl(nd * L * N), dCl(nd * L * N), dATl(nd * N * Dp, T(0)), dbiasl(nd * Dp, T(0)),
        dDl(nd * Dp, T(0));
    for (int64_t b = 0; b < B; ++b) {
      std::fill(dBl.begin(), dBl.end(), T(0));
      std::fill(dCl.begin(), dCl.end(), T(0));
      T dcsil = 0;
#pragma omp for schedule(dynamic, 1)
      for (int64_t blk = 0; blk < nblk; ++blk) {
        const int64_t d0 = blk * kW, nv = std::min<int64_t>(kW, D - d0);
        const T* ub = v.u + b * a.s_b + d0 * a.s_d;
        const T* gb = v.gy + b * a.s_b + d0 * a.s_d;
        const T* zb = v.z ? v.z + b * a.s_b + d0 * a.s_d : nullptr;
        T* dub = v.du + b * a.s_b + d0 * a.s_d;
        T* dzb = v.dz ? v.dz + b * a.s_b + d0 * a.s_d : nullptr;
        V lane_ok{};
        for (int w = 0; w < nv; ++w) lane_ok[w] = 1;
        for (int64_t k = 0; k < nd; ++k) {
          V A[kMaxN], h[kMaxN], x[kMaxN], dA[kMaxN];  // x: dLoss/dh_t
          for (int64_t n = 0; n < N; ++n) {
            A[n] = lanes<V>(v.AT, (k * N + n) * Dp + d0);
            x[n] = V{};
            dA[n] = V{};
          }
          const V bias_w = lanes<V>(v.bias, k * Dp + d0), D_w = lanes<V>(v.Dskip, k * Dp + d0);
          V dbias_w{}, dD_w{};
          const int64_t* pos = a.pos ? a.pos + k * L : nullptr;
          const T* dlb = v.dl + k * a.l_k + b * a.l_b + d0 * a.l_d;
          T* ddlb = v.ddl + k * a.g_k + b * a.g_b + d0 * a.g_d;
          const T* Bb = v.Bc + k * a.c_k + b * a.c_b;
          const T* Cb = v.Cc + k * a.c_k + b * a.c_b;
          const T* ck = v.ck + ((k * B + b) * nblk + blk) * nck * N * kW;
          T* dBk = dBl.data() + k * L * N;
          T* dCk = dCl.data() + k * L * N;
          for (int64_t c = nck - 1; c >= 0; --c) {
            const int64_t t0 = c * K, tn = std::min(K, L - t0);
            std::memcpy(h, ck + c * N * kW, N * sizeof(V));
            for (int64_t tt = 0; tt < tn; ++tt) {  // the chunk's Delta (independent of the state)
              const int64_t t = t0 + tt, p = pos ? pos[t] : t;
              const V xr = load<V>(dlb + p * a.l_t, a.l_d, nv) + bias_w;
              V dt = xr, slope = V{} + 1;
              if (a.softplus) {
                dt = softplus_k(xr);
                slope = sel_gt(xr, V{} + 20, V{} + 1, sigmoid_k(xr));
              }
              dtc[tt] = dt;
              slc[tt] = slope;
              uc[tt] = load<V>(ub + p * a.s_t, a.s_d, nv);
            }
            for (int64_t tt = 0; tt < tn; ++tt) {  // recompute the chunk's states (and y before the gate)
              const int64_t t = t0 + tt, p = pos ? pos[t] : t;
              if (a.inj && a.inj[t]) h[0] = V{} + v.csi[b];
              const V dt = dtc[tt], uu = uc[tt];
              const V du = dt * uu;
              V acc = D_w * uu;
              const T* Bv = Bb + p * a.c_t;
              const T* Cv = Cb + p * a.c_t;
              V* hp = hs.data() + tt * N;
              V* ap = as.data() + tt * N;
              acc = update_states(h, A, N, dt, du, Bv, Cv, acc, hp, ap);
              V g = load<V>(gb + p * a.s_t, a.s_d, nv);
              if (zb) {  // out = y * silu(z): gradient to z, and g becomes dLoss/dy
                const V zz = load<V>(zb + p * a.s_t, a.s_d, nv), s = sigmoid_k(zz);
                store(dzb + p * a.s_t, a.s_d, nv, g * acc * s * (1 + zz * (1 - s)));
                g = g * zz * s;
              }
              gc[tt] = g;
            }
            for (int64_t tt = tn - 1; tt >= 0; --tt) {  // reverse sweep
              const int64_t t = t0 + tt, p = pos ? pos[t] : t;
              const V dt = dtc[tt], uu = uc[tt], g = gc[tt], du = dt * uu;
              V ddu{}, ddt{};
              const T* Bv = Bb + p * a.c_t;
              const T* Cv = Cb + p * a.c_t;
              const V* hp = hs.data() + tt * N;
              const V* ap = as.data() + tt * N;
              T* dBr = dBk + p * N;
              T* dCr = dCk + p * N;
              for (int64_t n = 0; n < N; ++n) {
                const T bn = Bv[n], cn = Cv[n];
                const V ht = ap[n] * hp[n] + du * bn;
                const V xn = x[n] + g * cn;
                T sB, sC;
                hsum2(xn * du, g * ht, sB, sC);
                dBr[n] += sB;
                dCr[n] += sC;
                ddu += xn * bn;
                const V dz = xn * hp[n] * ap[n];  // dLoss / d(dt * A[n])
                ddt += dz * A[n];
                dA[n] += dz * dt;
                x[n] = xn * ap[n];
              }
              T* dup = dub + p * a.s_t;
              store(dup, a.s_d, nv, load<V>(dup, a.s_d, nv) + ddu * dt + g * D_w);
              const V dd = (ddt + ddu * uu) * slc[tt];
              store(ddlb + p * a.g_t, a.g_d, nv, dd);
              dbias_w += dd;
              dD_w += g * uu;
              if (a.inj && a.inj[t]) {
                const V x0 = x[0] * lane_ok;
                for (int w = 0; w < kW; ++w) dcsil += x0[w];
                x[0] = V{};
              }
            }
          }
          for (int64_t n = 0; n < N; ++n)
            for (int w = 0; w < kW; ++w) dATl[(k * N + n) * Dp + d0 + w] += dA[n][w];
          for (int w = 0; w < kW; ++w) {
            dbiasl[k * Dp + d0 + w] += dbias_w[w];
            dDl[k * Dp + d0 + w] += dD_w[w];
          }
        }
      }
#pragma omp critical
      {
        for (int64_t k = 0; k < nd; ++k)
          for (int64_t p = 0; p < L; ++p) {
            T* dBp = v.dBc + k * a.e_k + b * a.e_b + p * a.e_t;
            T* dCp = v.dCc + k * a.e_k + b * a.e_b + p * a.e_t;
            const T* sB = dBl.data() + (k * L + p) * N;
            const T* sC = dCl.data() + (k * L + p) * N;
            for (int64_t n = 0; n < N; ++n) { dBp[n] += sB[n]; dCp[n] += sC[n]; }
          }
        if (v.dcsi) v.dcsi[b] += dcsil;
      }
    }
#pragma omp critical
    {
      for (int64_t i = 0; i < nd * N * Dp; ++i) v.dAT[i] += dATl[i];
      for (int64_t i = 0; i < nd * Dp; ++i) { v.dbias[i] += dbiasl[i]; v.dD[i] += dDl[i]; }
    }
  }
}

}  // namespace

extern "C" {

int ss_max_state() { return static_cast<int>(kMaxN); }
int ss_block() { return kW; }
int ss_args_size() { return static_cast<int>(sizeof(Args)); }

void ss_fwd_f32(const Args* a) {
  if (a->N == 16) forward<float, 16>(*a);
  else if (a->N == 8) forward<float, 8>(*a);
  else forward<float, 0>(*a);
}
void ss_fwd_f64(const Args* a) { forward<double, 0>(*a); }
void ss_bwd_f32(const Args* a) { backward<float>(*a); }
void ss_bwd_f64(const Args* a) { backward<double>(*a); }

}  // extern "C"
