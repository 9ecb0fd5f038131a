// Selective scan (Mamba S6) with CSI-ReST injection: OpenMP CPU kernels, forward and backward.
//
// Plain C ABI on raw contiguous buffers (no torch headers: compiles in about a second);
// built and loaded by linksim/mamba/scan_cpp.py through torch.utils.cpp_extension.load.
//
// Layouts (row-major, contiguous; D a multiple of kW, padded by the caller):
//   u, delta, y, gy, du, ddelta [B, L, D] (channel-major rows: a thread vectorizes over kW channels);
//   AT, dAT [N, D] (A transposed); Bt, Ct, dBt, dCt [B, L, N];
//   inj [L] uint8 (1: overwrite state n=0 of the state entering step t with csi[b]) or null;
//   csi, dcsi [B] or null; ck [B, D/kW, nck, N, kW] checkpoints: the state entering step c*K
//   (before any injection at that step), nck = ceil(L / K).
// Recurrence per (b, d, n): hh = inj[t] ? (n == 0 ? csi[b] : h) : h;
//   h = exp(dt*A) * hh + dt*u*B_t[n];  y_t = sum_n C_t[n] h[n].
// Parallel over (b, block of kW channels); dB, dC (sums over d) use per-thread [L, N] buffers.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace {

constexpr int64_t kMaxN = 256;
// channels per vector block (one thread handles W channels of one batch element at a time)
constexpr int kW = 16;

// Cephes-style expf (max rel. error ~2 ulp), written so that GCC vectorizes it in simd loops.
inline float exp_k(float x) {
  x = x < -87.f ? -87.f : (x > 88.f ? 88.f : x);
  // round to nearest with the 1.5 * 2^23 trick (vectorized std::floor is very slow on some CPUs)
  const float k = (x * 1.44269504088896341f + 12582912.f) - 12582912.f;
  const float r = x - k * 0.693359375f + k * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(k) + 127) << 23;
  float s;
  std::memcpy(&s, &bits, sizeof(s));
  return p * s;
}
inline double exp_k(double x) { return std::exp(x); }

template <typename T, int W>
void forward(const T* u, const T* dl, const T* AT, const T* Bt, const T* Ct, const uint8_t* inj,
             const T* csi, T* y, T* ck, int64_t B, int64_t D, int64_t L, int64_t N, int64_t K,
             int nt) {
  const int64_t nck = (L + K - 1) / K, nblk = D / W;
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t task = 0; task < B * nblk; ++task) {
    const int64_t b = task / nblk, d0 = (task % nblk) * W;
    alignas(64) T h[kMaxN][W];
    for (int64_t n = 0; n < N; ++n)
      for (int w = 0; w < W; ++w) h[n][w] = 0;
    for (int64_t t = 0; t < L; ++t) {
      if (ck && t % K == 0) std::memcpy(ck + (task * nck + t / K) * N * W, h, N * W * sizeof(T));
      if (inj && inj[t])
        for (int w = 0; w < W; ++w) h[0][w] = csi[b];
      const int64_t row = (b * L + t);
      const T* dt = dl + row * D + d0;
      const T* uu = u + row * D + d0;
      alignas(64) T du[W], acc[W];
#pragma omp simd
      for (int w = 0; w < W; ++w) { du[w] = dt[w] * uu[w]; acc[w] = 0; }
      for (int64_t n = 0; n < N; ++n) {
        const T bn = Bt[row * N + n], cn = Ct[row * N + n];
        const T* a = AT + n * D + d0;
#pragma omp simd
        for (int w = 0; w < W; ++w) {
          const T hn = exp_k(dt[w] * a[w]) * h[n][w] + du[w] * bn;
          h[n][w] = hn;
          acc[w] += cn * hn;
        }
      }
      T* yr = y + row * D + d0;
#pragma omp simd
      for (int w = 0; w < W; ++w) yr[w] = acc[w];
    }
  }
}

template <typename T, int W>
void backward(const T* u, const T* dl, const T* AT, const T* Bt, const T* Ct, const uint8_t* inj,
              const T* csi, const T* ck, const T* gy, T* du_out, T* ddl_out, T* dAT_out, T* dBt_out,
              T* dCt_out, T* dcsi_out, int64_t B, int64_t D, int64_t L, int64_t N, int64_t K,
              int nt) {
  const int64_t nck = (L + K - 1) / K, nblk = D / W;
#pragma omp parallel num_threads(nt)
  {
    std::vector<T> hs(K * N * W), as(K * N * W), dBl(L * N), dCl(L * N), dATl(N * D, T(0));
    for (int64_t b = 0; b < B; ++b) {
      std::fill(dBl.begin(), dBl.end(), T(0));
      std::fill(dCl.begin(), dCl.end(), T(0));
      T dcsil = 0;
#pragma omp for schedule(static)
      for (int64_t blk = 0; blk < nblk; ++blk) {
        const int64_t d0 = blk * W, task = b * nblk + blk;
        alignas(64) T x[kMaxN][W], h[kMaxN][W];  // x: dLoss/dh_t carried backwards
        for (int64_t n = 0; n < N; ++n)
          for (int w = 0; w < W; ++w) x[n][w] = 0;
        for (int64_t c = nck - 1; c >= 0; --c) {
          const int64_t t0 = c * K, t1 = std::min(L, t0 + K);
          std::memcpy(h, ck + (task * nck + c) * N * W, N * W * sizeof(T));
          for (int64_t t = t0; t < t1; ++t) {  // recompute the chunk's states
            if (inj && inj[t])
              for (int w = 0; w < W; ++w) h[0][w] = csi[b];
            const int64_t row = b * L + t;
            const T* dt = dl + row * D + d0;
            const T* uu = u + row * D + d0;
            for (int64_t n = 0; n < N; ++n) {
              const T bn = Bt[row * N + n];
              const T* a = AT + n * D + d0;
              T* hp = hs.data() + ((t - t0) * N + n) * W;
              T* ap = as.data() + ((t - t0) * N + n) * W;
#pragma omp simd
              for (int w = 0; w < W; ++w) {
                const T av = exp_k(dt[w] * a[w]);
                hp[w] = h[n][w];
                ap[w] = av;
                h[n][w] = av * h[n][w] + dt[w] * uu[w] * bn;
              }
            }
          }
          for (int64_t t = t1 - 1; t >= t0; --t) {  // reverse sweep
            const int64_t row = b * L + t;
            const T* dt = dl + row * D + d0;
            const T* uu = u + row * D + d0;
            const T* g = gy + row * D + d0;
            alignas(64) T du[W], ddu[W], ddt[W];
#pragma omp simd
            for (int w = 0; w < W; ++w) { du[w] = dt[w] * uu[w]; ddu[w] = 0; ddt[w] = 0; }
            for (int64_t n = 0; n < N; ++n) {
              const T bn = Bt[row * N + n], cn = Ct[row * N + n];
              const T* a = AT + n * D + d0;
              const T* hp = hs.data() + ((t - t0) * N + n) * W;
              const T* ap = as.data() + ((t - t0) * N + n) * W;
              T* dA = dATl.data() + n * D + d0;
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
            T* dur = du_out + row * D + d0;
            T* ddr = ddl_out + row * D + d0;
#pragma omp simd
            for (int w = 0; w < W; ++w) { dur[w] = ddu[w] * dt[w]; ddr[w] = ddt[w] + ddu[w] * uu[w]; }
            if (inj && inj[t])
              for (int w = 0; w < W; ++w) { dcsil += x[0][w]; x[0][w] = 0; }
          }
        }
      }
#pragma omp critical
      {
        T* dBb = dBt_out + b * L * N;
        T* dCb = dCt_out + b * L * N;
        for (int64_t i = 0; i < L * N; ++i) { dBb[i] += dBl[i]; dCb[i] += dCl[i]; }
        if (dcsi_out) dcsi_out[b] += dcsil;
      }
    }
#pragma omp critical
    for (int64_t i = 0; i < N * D; ++i) dAT_out[i] += dATl[i];
  }
}

}  // namespace

extern "C" {

int ss_max_state() { return static_cast<int>(kMaxN); }
int ss_block() { return kW; }

#define SS_DEFINE(SUFFIX, T)                                                                      \
  void ss_fwd_##SUFFIX(const T* u, const T* dl, const T* A, const T* Bt, const T* Ct,             \
                       const uint8_t* inj, const T* csi, T* y, T* ck, int64_t B, int64_t D,       \
                       int64_t L, int64_t N, int64_t K, int nt) {                                 \
    forward<T, kW>(u, dl, A, Bt, Ct, inj, csi, y, ck, B, D, L, N, K, nt);                              \
  }                                                                                               \
  void ss_bwd_##SUFFIX(const T* u, const T* dl, const T* A, const T* Bt, const T* Ct,             \
                       const uint8_t* inj, const T* csi, const T* ck, const T* gy, T* du,         \
                       T* ddl, T* dA, T* dBt, T* dCt, T* dcsi, int64_t B, int64_t D, int64_t L,   \
                       int64_t N, int64_t K, int nt) {                                            \
    backward<T, kW>(u, dl, A, Bt, Ct, inj, csi, ck, gy, du, ddl, dA, dBt, dCt, dcsi, B, D, L, N, K,   \
                nt);                                                                              \
  }

SS_DEFINE(f32, float)
SS_DEFINE(f64, double)

}  // extern "C"
