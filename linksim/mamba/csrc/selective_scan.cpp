// Selective scan (Mamba S6) with CSI-ReST injection: OpenMP CPU kernels, forward and backward.
//
// Plain C ABI on raw contiguous buffers (no torch headers: compiles in about a second);
// built and loaded by linksim/mamba/scan_cpp.py through torch.utils.cpp_extension.load.
//
// One call = one Args struct (see below). Layouts (row-major, contiguous), nblk = ceil(D / kW),
// Dp = nblk * kW:
//   u, dl (raw delta), z, y, gy, du, ddl, dz [B, D, L] (PyTorch's layout; moved through kT x kW
//   tiles); AT, dAT [N, Dp] (A transposed, zero-padded); bias, Dskip, dbias, dD [Dp];
//   Bt, Ct, dBt, dCt [B, L, N]; inj [L] uint8 (1: write csi[b] into state n=0 of the state
//   entering step t); csi, dcsi [B]; ck [B, nblk, nck, N, kW]: the state entering step c*K
//   (before any write at that step), nck = ceil(L / K). Optional buffers may be null.
// Per (b, d, n), t = 0 .. L-1:
//   dt = softplus(dl + bias) (or dl + bias);  hh = h, with hh[0] = csi[b] if inj[t];
//   h = exp(dt*A) * hh + dt*u*B_t[n];  y_t = (sum_n C_t[n] h[n] + Dskip*u) * silu(z) (if z).
// Parallel over (b, block of kW channels), the kW channels being the SIMD lanes (the forward
// holds them as one GCC vector, VecF/VecD, so the exp of the recurrence is vectorized); sums over
// channels (dB, dC, dcsi) and over batch (dA, dbias, dD) go through per-thread buffers.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace {

constexpr int64_t kMaxN = 256;
// channels per vector block (one task = kW channels of one batch element)
constexpr int kW = 16;
// time steps per tile when moving [D, L] rows in and out of the time-major work buffers
constexpr int64_t kT = 16;

// kW lanes of float / double as one GCC vector (split into the machine's SIMD registers)
typedef float VecF __attribute__((vector_size(kW * sizeof(float))));
typedef int32_t VecI __attribute__((vector_size(kW * sizeof(int32_t))));
typedef double VecD __attribute__((vector_size(kW * sizeof(double))));
template <typename T> struct LanesOf;
template <> struct LanesOf<float> { using type = VecF; };
template <> struct LanesOf<double> { using type = VecD; };

inline int32_t trunc_i32(float k) { return static_cast<int32_t>(k); }
inline VecI trunc_i32(VecF k) { return __builtin_convertvector(k, VecI); }

// Cephes-style expf (max rel. error ~2 ulp), branch-free: one definition for a float and for
// a VecF of kW lanes (the same operations in the same order, so both round alike).
template <typename V>
inline V exp_f32(V x) {
  x = x < -87.f ? V{} - 87.f : x;
  x = x > 88.f ? V{} + 88.f : x;
  // round to nearest with the 1.5 * 2^23 trick (vectorized std::floor is very slow on some CPUs)
  const V k = (x * 1.44269504088896341f + 12582912.f) - 12582912.f;
  const V r = x - k * 0.693359375f + k * 2.12194440e-4f;
  V p = V{} + 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const auto bits = (trunc_i32(k) + 127) << 23;
  V s;
  static_assert(sizeof(s) == sizeof(bits), "float and int32 lanes");
  std::memcpy(&s, &bits, sizeof(s));
  return p * s;
}
inline float exp_k(float x) { return exp_f32(x); }
inline VecF exp_k(VecF x) { return exp_f32(x); }
inline VecD exp_k(VecD x) {
  for (int w = 0; w < kW; ++w) x[w] = std::exp(x[w]);
  return x;
}
inline double exp_k(double x) { return std::exp(x); }

// log(1 + e) for e in [0, 1]: 2 atanh(s), s = e / (2 + e) <= 1/3 (series to s^15, ~1e-9 rel.)
inline float log1p_unit(float e) {
  const float s = e / (2.f + e), s2 = s * s;
  float p = 1.f / 15.f;
  p = p * s2 + 1.f / 13.f;
  p = p * s2 + 1.f / 11.f;
  p = p * s2 + 1.f / 9.f;
  p = p * s2 + 1.f / 7.f;
  p = p * s2 + 1.f / 5.f;
  p = p * s2 + 1.f / 3.f;
  p = p * s2 + 1.f;
  return 2.f * s * p;
}
inline double log1p_unit(double e) { return std::log1p(e); }

// torch.nn.functional.softplus (beta 1, threshold 20) and the logistic sigmoid
template <typename T>
inline T softplus_k(T x) {
  const T ax = x < T(0) ? -x : x;
  const T sp = (x > T(0) ? x : T(0)) + log1p_unit(exp_k(-ax));
  return x > T(20) ? x : sp;
}
template <typename T>
inline T sigmoid_k(T x) { return T(1) / (T(1) + exp_k(-x)); }

// All buffers of one call (typeless so that one C struct serves float and double).
// Layouts as in the header comment; optional pointers may be null.
struct Args {
  const void *u, *dl, *AT, *Bt, *Ct, *bias, *Dskip, *z, *csi;
  const uint8_t* inj;
  void *y, *ck;          // forward outputs (ck: null when no gradient is needed)
  const void* gy;        // backward input
  void *du, *ddl, *dAT, *dBt, *dCt, *dbias, *dD, *dz, *dcsi;  // backward outputs (zeroed)
  int64_t B, D, L, N, K;
  int32_t softplus, nt;
};

template <typename T>
struct View {  // typed view of Args
  const T *u, *dl, *AT, *Bt, *Ct, *bias, *Dskip, *z, *csi, *gy;
  T *y, *ck, *du, *ddl, *dAT, *dBt, *dCt, *dbias, *dD, *dz, *dcsi;
  explicit View(const Args& a)
      : u((const T*)a.u), dl((const T*)a.dl), AT((const T*)a.AT), Bt((const T*)a.Bt),
        Ct((const T*)a.Ct), bias((const T*)a.bias), Dskip((const T*)a.Dskip), z((const T*)a.z),
        csi((const T*)a.csi), gy((const T*)a.gy), y((T*)a.y), ck((T*)a.ck), du((T*)a.du),
        ddl((T*)a.ddl), dAT((T*)a.dAT), dBt((T*)a.dBt), dCt((T*)a.dCt), dbias((T*)a.dbias),
        dD((T*)a.dD), dz((T*)a.dz), dcsi((T*)a.dcsi) {}
};

// rows row0 .. row0+W-1 (only the first nv exist) of a [*, L] array, steps t0 .. t0+tn-1
// -> dst[tt * W + w] (time-major); missing rows (or a null src) read as 0
template <typename T, int W>
inline void load_tile(const T* src, int64_t row0, int64_t nv, int64_t L, int64_t t0, int64_t tn,
                      T* dst) {
  for (int w = 0; w < W; ++w) {
    const T* r = src ? src + (row0 + w) * L + t0 : nullptr;
    for (int64_t tt = 0; tt < tn; ++tt) dst[tt * W + w] = (r && w < nv) ? r[tt] : T(0);
  }
}

template <typename T, int W>
inline void store_tile(const T* src, int64_t row0, int64_t nv, int64_t L, int64_t t0, int64_t tn,
                       T* dst) {
  for (int w = 0; w < nv; ++w) {
    T* r = dst + (row0 + w) * L + t0;
    for (int64_t tt = 0; tt < tn; ++tt) r[tt] = src[tt * W + w];
  }
}

// per-lane copy of a [D] vector (0 where absent or padded)
template <typename T, int W>
inline void lanes(const T* v, int64_t d0, int64_t nv, T* out) {
  for (int w = 0; w < W; ++w) out[w] = (v && w < nv) ? v[d0 + w] : T(0);
}

// raw delta tile -> Δ (bias, softplus) and dΔ/draw
template <typename T, int W>
inline void discretize(T* dt, T* slope, const T* bias_w, int64_t tn, bool softplus) {
  for (int64_t i = 0; i < tn * W; ++i) {
    const T x = dt[i] + bias_w[i % W];
    dt[i] = softplus ? softplus_k(x) : x;
    if (slope) slope[i] = softplus ? (x > T(20) ? T(1) : sigmoid_k(x)) : T(1);
  }
}

template <typename T, int W>
void forward(const Args& args) {
  const View<T> v(args);
  const int64_t B = args.B, D = args.D, L = args.L, N = args.N, K = args.K;
  const int64_t nck = (L + K - 1) / K, nblk = (D + W - 1) / W, Dp = nblk * W;
#pragma omp parallel for num_threads(args.nt) schedule(dynamic, 1)
  for (int64_t task = 0; task < B * nblk; ++task) {
    const int64_t b = task / nblk, d0 = (task % nblk) * W, nv = std::min<int64_t>(W, D - d0);
    const int64_t row0 = b * D + d0;
    using V = typename LanesOf<T>::type;
    static_assert(sizeof(V) == W * sizeof(T), "one lane per channel of the block");
    V h[kMaxN], a[kMaxN], D_w;  // state, A of the block's channels, D skip
    alignas(64) T ut[kT * W], dtt[kT * W], zt[kT * W], yt[kT * W], bias_w[W];
    lanes<T, W>(v.bias, d0, nv, bias_w);
    lanes<T, W>(v.Dskip, d0, nv, reinterpret_cast<T*>(&D_w));
    for (int64_t n = 0; n < N; ++n) {
      h[n] = V{};
      std::memcpy(&a[n], v.AT + n * Dp + d0, sizeof(V));
    }
    for (int64_t t0 = 0; t0 < L; t0 += kT) {
      const int64_t tn = std::min(kT, L - t0);
      load_tile<T, W>(v.u, row0, nv, L, t0, tn, ut);
      load_tile<T, W>(v.dl, row0, nv, L, t0, tn, dtt);
      discretize<T, W>(dtt, nullptr, bias_w, tn, args.softplus);
      for (int64_t tt = 0; tt < tn; ++tt) {
        const int64_t t = t0 + tt;
        if (v.ck && t % K == 0) std::memcpy(v.ck + (task * nck + t / K) * N * W, h, N * W * sizeof(T));
        if (args.inj && args.inj[t]) h[0] = V{} + v.csi[b];
        V dt, uu;
        std::memcpy(&dt, dtt + tt * W, sizeof(V));
        std::memcpy(&uu, ut + tt * W, sizeof(V));
        const V du = dt * uu;
        V acc = D_w * uu;
        const T* Bv = v.Bt + (b * L + t) * N;
        const T* Cv = v.Ct + (b * L + t) * N;
        for (int64_t n = 0; n < N; ++n) {
          const V hn = exp_k(dt * a[n]) * h[n] + du * Bv[n];
          h[n] = hn;
          acc += Cv[n] * hn;
        }
        std::memcpy(yt + tt * W, &acc, sizeof(V));
      }
      if (v.z) {
        load_tile<T, W>(v.z, row0, nv, L, t0, tn, zt);
        for (int64_t i = 0; i < tn * W; ++i) yt[i] *= zt[i] * sigmoid_k(zt[i]);
      }
      store_tile<T, W>(yt, row0, nv, L, t0, tn, v.y);
    }
  }
}

template <typename T, int W>
void backward(const Args& args) {
  const View<T> v(args);
  const int64_t B = args.B, D = args.D, L = args.L, N = args.N, K = args.K;
  const int64_t nck = (L + K - 1) / K, nblk = (D + W - 1) / W, Dp = nblk * W;
#pragma omp parallel num_threads(args.nt)
  {
    // per-thread scratch: one chunk's states/decays and its time-major tiles, partial sums
    std::vector<T> hs(K * N * W), as(K * N * W), uc(K * W), dc(K * W), sc(K * W), gc(K * W),
        zc(K * W), yc(K * W), duc(K * W), ddc(K * W), dzc(K * W), dBl(L * N), dCl(L * N),
        dATl(N * Dp, T(0)), dbiasl(Dp, T(0)), dDl(Dp, T(0));
    for (int64_t b = 0; b < B; ++b) {
      std::fill(dBl.begin(), dBl.end(), T(0));
      std::fill(dCl.begin(), dCl.end(), T(0));
      T dcsil = 0;
#pragma omp for schedule(dynamic, 1)
      for (int64_t blk = 0; blk < nblk; ++blk) {
        const int64_t d0 = blk * W, task = b * nblk + blk, nv = std::min<int64_t>(W, D - d0);
        const int64_t row0 = b * D + d0;
        alignas(64) T x[kMaxN][W], h[kMaxN][W], bias_w[W], D_w[W];  // x: dLoss/dh_t
        lanes<T, W>(v.bias, d0, nv, bias_w);
        lanes<T, W>(v.Dskip, d0, nv, D_w);
        for (int64_t n = 0; n < N; ++n)
          for (int w = 0; w < W; ++w) x[n][w] = 0;
        for (int64_t c = nck - 1; c >= 0; --c) {
          const int64_t t0 = c * K, tn = std::min(K, L - t0);
          load_tile<T, W>(v.u, row0, nv, L, t0, tn, uc.data());
          load_tile<T, W>(v.dl, row0, nv, L, t0, tn, dc.data());
          load_tile<T, W>(v.gy, row0, nv, L, t0, tn, gc.data());
          discretize<T, W>(dc.data(), sc.data(), bias_w, tn, args.softplus);
          std::memcpy(h, v.ck + (task * nck + c) * N * W, N * W * sizeof(T));
          for (int64_t tt = 0; tt < tn; ++tt) {  // recompute the chunk's states (and y before the gate)
            const int64_t t = t0 + tt;
            if (args.inj && args.inj[t])
              for (int w = 0; w < W; ++w) h[0][w] = v.csi[b];
            const T* dt = dc.data() + tt * W;
            const T* uu = uc.data() + tt * W;
            T* yp = yc.data() + tt * W;
            const T* Bv = v.Bt + (b * L + t) * N;
            const T* Cv = v.Ct + (b * L + t) * N;
            for (int w = 0; w < W; ++w) yp[w] = D_w[w] * uu[w];
            for (int64_t n = 0; n < N; ++n) {
              const T bn = Bv[n], cn = Cv[n];
              const T* a = v.AT + n * Dp + d0;
              T* hp = hs.data() + (tt * N + n) * W;
              T* ap = as.data() + (tt * N + n) * W;
#pragma omp simd
              for (int w = 0; w < W; ++w) {
                const T av = exp_k(dt[w] * a[w]);
                hp[w] = h[n][w];
                ap[w] = av;
                h[n][w] = av * h[n][w] + dt[w] * uu[w] * bn;
                yp[w] += cn * h[n][w];
              }
            }
          }
          if (v.z) {  // out = y * silu(z): gradient to z, and g becomes dLoss/dy
            load_tile<T, W>(v.z, row0, nv, L, t0, tn, zc.data());
            for (int64_t i = 0; i < tn * W; ++i) {
              const T zi = zc[i], s = sigmoid_k(zi), g = gc[i];
              dzc[i] = g * yc[i] * s * (T(1) + zi * (T(1) - s));
              gc[i] = g * zi * s;
            }
            store_tile<T, W>(dzc.data(), row0, nv, L, t0, tn, v.dz);
          }
          for (int64_t tt = tn - 1; tt >= 0; --tt) {  // reverse sweep
            const int64_t t = t0 + tt;
            const T* dt = dc.data() + tt * W;
            const T* uu = uc.data() + tt * W;
            const T* g = gc.data() + tt * W;
            const T* Bv = v.Bt + (b * L + t) * N;
            const T* Cv = v.Ct + (b * L + t) * N;
            alignas(64) T du[W], ddu[W], ddt[W];
#pragma omp simd
            for (int w = 0; w < W; ++w) { du[w] = dt[w] * uu[w]; ddu[w] = 0; ddt[w] = 0; }
            for (int64_t n = 0; n < N; ++n) {
              const T bn = Bv[n], cn = Cv[n];
              const T* a = v.AT + n * Dp + d0;
              const T* hp = hs.data() + (tt * N + n) * W;
              const T* ap = as.data() + (tt * N + n) * W;
              T* dA = dATl.data() + n * Dp + d0;
              T sB = 0, sC = 0;
#pragma omp simd reduction(+ : sB, sC)
              for (int w = 0; w < W; ++w) {
                const T ht = ap[w] * hp[w] + du[w] * bn;
                const T xn = x[n][w] + g[w] * cn;
                sC += g[w] * ht;
                sB += xn * du[w];
                ddu[w] += xn * bn;
                const T dz = xn * hp[w] * ap[w];  // dLoss / d(dt * A[n])
                ddt[w] += dz * a[w];
                dA[w] += dz * dt[w];
                x[n][w] = xn * ap[w];
              }
              dBl[t * N + n] += sB;
              dCl[t * N + n] += sC;
            }
            const T* slope = sc.data() + tt * W;
            T* dur = duc.data() + tt * W;
            T* ddr = ddc.data() + tt * W;
            for (int w = 0; w < W; ++w) {
              dur[w] = ddu[w] * dt[w] + g[w] * D_w[w];
              ddr[w] = (ddt[w] + ddu[w] * uu[w]) * slope[w];
              dbiasl[d0 + w] += ddr[w];
              dDl[d0 + w] += g[w] * uu[w];
            }
            if (args.inj && args.inj[t])
              for (int w = 0; w < W; ++w) { dcsil += w < nv ? x[0][w] : T(0); x[0][w] = 0; }
          }
          store_tile<T, W>(duc.data(), row0, nv, L, t0, tn, v.du);
          store_tile<T, W>(ddc.data(), row0, nv, L, t0, tn, v.ddl);
        }
      }
#pragma omp critical
      {
        T* dBb = v.dBt + b * L * N;
        T* dCb = v.dCt + b * L * N;
        for (int64_t i = 0; i < L * N; ++i) { dBb[i] += dBl[i]; dCb[i] += dCl[i]; }
        if (v.dcsi) v.dcsi[b] += dcsil;
      }
    }
#pragma omp critical
    {
      for (int64_t i = 0; i < N * Dp; ++i) v.dAT[i] += dATl[i];
      for (int64_t i = 0; i < Dp; ++i) { v.dbias[i] += dbiasl[i]; v.dD[i] += dDl[i]; }
    }
  }
}

}  // namespace

extern "C" {

int ss_max_state() { return static_cast<int>(kMaxN); }
int ss_block() { return kW; }
int ss_args_size() { return static_cast<int>(sizeof(Args)); }

void ss_fwd_f32(const Args* a) { forward<float, kW>(*a); }
void ss_fwd_f64(const Args* a) { forward<double, kW>(*a); }
void ss_bwd_f32(const Args* a) { backward<float, kW>(*a); }
void ss_bwd_f64(const Args* a) { backward<double, kW>(*a); }

}  // extern "C"
