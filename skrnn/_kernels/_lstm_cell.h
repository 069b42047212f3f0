/* Elementwise LSTM cell arithmetic over blocks of rows, for the LSTM kernel.
 *
 * Written in C for one reason: `restrict`. Cython cannot say that the
 * gradient buffers never overlap the gate buffers, and without that promise
 * gcc does not vectorise these loops, which then cost more than the matrix
 * products around them.
 *
 * Layouts (row-major, m rows): gates a and d are [i f g o] blocks of 4n per
 * row; c_prev, tc, dh_above, dh_next, dc are n per row; p holds the
 * peepholes p_i, p_f, p_o (3n) or is NULL.
 */
#ifndef SKRNN_LSTM_CELL_H
#define SKRNN_LSTM_CELL_H

#include <stddef.h>
#include <string.h>

#include "_isa.h"  /* SKRNN_RESTRICT */

#define SKRNN_DEFINE_LSTM_CELL_BACKWARD(T, SUFFIX)                                   \
static void skrnn_lstm_cell_backward_##SUFFIX(                                       \
    const T *SKRNN_RESTRICT a, const T *SKRNN_RESTRICT c_prev,                       \
    const T *SKRNN_RESTRICT tc, const T *SKRNN_RESTRICT dh_above,                    \
    const T *SKRNN_RESTRICT dh_next, T *SKRNN_RESTRICT dc,                           \
    T *SKRNN_RESTRICT d, const T *SKRNN_RESTRICT p, ptrdiff_t m, ptrdiff_t n)        \
{                                                                                    \
    for (ptrdiff_t r = 0; r < m; r++) {                                              \
        const T *SKRNN_RESTRICT i = a + r * 4 * n, *SKRNN_RESTRICT f = i + n,        \
                          *SKRNN_RESTRICT g = i + 2 * n, *SKRNN_RESTRICT o = i + 3 * n; \
        const T *SKRNN_RESTRICT cp = c_prev + r * n, *SKRNN_RESTRICT t = tc + r * n; \
        const T *SKRNN_RESTRICT up = dh_above + r * n,                               \
                *SKRNN_RESTRICT nx = dh_next + r * n;                                \
        T *SKRNN_RESTRICT dcr = dc + r * n;                                          \
        T *SKRNN_RESTRICT di = d + r * 4 * n, *SKRNN_RESTRICT df = di + n,           \
          *SKRNN_RESTRICT dg = di + 2 * n, *SKRNN_RESTRICT dout = di + 3 * n;        \
        if (p) {                                                                     \
            for (ptrdiff_t j = 0; j < n; j++) {                                      \
                T dh = up[j] + nx[j];                                                \
                T dzo = dh * t[j] * o[j] * (1 - o[j]);                               \
                T dcj = dcr[j] + dh * o[j] * (1 - t[j] * t[j]) + dzo * p[2 * n + j]; \
                T dzi = dcj * g[j] * i[j] * (1 - i[j]);                              \
                T dzf = dcj * cp[j] * f[j] * (1 - f[j]);                             \
                dout[j] = dzo;                                                       \
                di[j] = dzi;                                                         \
                dg[j] = dcj * i[j] * (1 - g[j] * g[j]);                              \
                df[j] = dzf;                                                         \
                dcr[j] = dcj * f[j] + dzi * p[j] + dzf * p[n + j];                   \
            }                                                                        \
        } else {                                                                     \
            for (ptrdiff_t j = 0; j < n; j++) {                                      \
                T dh = up[j] + nx[j];                                                \
                T dcj = dcr[j] + dh * o[j] * (1 - t[j] * t[j]);                      \
                dout[j] = dh * t[j] * o[j] * (1 - o[j]);                             \
                di[j] = dcj * g[j] * i[j] * (1 - i[j]);                              \
                dg[j] = dcj * i[j] * (1 - g[j] * g[j]);                              \
                df[j] = dcj * cp[j] * f[j] * (1 - f[j]);                             \
                dcr[j] = dcj * f[j];                                                 \
            }                                                                        \
        }                                                                            \
    }                                                                                \
}

SKRNN_DEFINE_LSTM_CELL_BACKWARD(double, d)
SKRNN_DEFINE_LSTM_CELL_BACKWARD(float, f)

/* Before the tanh: the logistic gates' inputs halved (s(z) = (1 + tanh(z / 2)) / 2).
 * No peepholes. */
#define SKRNN_DEFINE_LSTM_PRE(T, SUFFIX)                                             \
static void skrnn_lstm_pre_##SUFFIX(T *SKRNN_RESTRICT z, ptrdiff_t m, ptrdiff_t n)   \
{                                                                                    \
    for (ptrdiff_t r = 0; r < m; r++) {                                              \
        T *SKRNN_RESTRICT zr = z + r * 4 * n;                                        \
        for (ptrdiff_t j = 0; j < 2 * n; j++)                                        \
            zr[j] = (T) 0.5 * zr[j];                                                 \
        for (ptrdiff_t j = 3 * n; j < 4 * n; j++)                                    \
            zr[j] = (T) 0.5 * zr[j];                                                 \
    }                                                                                \
}

/* After the tanh of all gates: the logistic gates finished and c_t. */
#define SKRNN_DEFINE_LSTM_CELL(T, SUFFIX)                                            \
static void skrnn_lstm_cell_##SUFFIX(T *SKRNN_RESTRICT z, const T *SKRNN_RESTRICT c_prev, \
                                     T *SKRNN_RESTRICT c, ptrdiff_t m, ptrdiff_t n)  \
{                                                                                    \
    for (ptrdiff_t r = 0; r < m; r++) {                                              \
        T *SKRNN_RESTRICT zr = z + r * 4 * n;                                        \
        const T *SKRNN_RESTRICT cp = c_prev + r * n;                                 \
        T *SKRNN_RESTRICT cr = c + r * n;                                            \
        for (ptrdiff_t j = 0; j < 2 * n; j++)                                        \
            zr[j] = (T) 0.5 + (T) 0.5 * zr[j];                                       \
        for (ptrdiff_t j = 3 * n; j < 4 * n; j++)                                    \
            zr[j] = (T) 0.5 + (T) 0.5 * zr[j];                                       \
        for (ptrdiff_t j = 0; j < n; j++)                                            \
            cr[j] = zr[n + j] * cp[j] + zr[j] * zr[2 * n + j];                       \
    }                                                                                \
}

/* h_t = o_t * tanh(c_t). */
#define SKRNN_DEFINE_LSTM_OUT(T, SUFFIX)                                             \
static void skrnn_lstm_out_##SUFFIX(const T *SKRNN_RESTRICT z, const T *SKRNN_RESTRICT tc, \
                                    T *SKRNN_RESTRICT h, ptrdiff_t m, ptrdiff_t n)   \
{                                                                                    \
    for (ptrdiff_t r = 0; r < m; r++) {                                              \
        const T *SKRNN_RESTRICT o = z + r * 4 * n + 3 * n;                           \
        for (ptrdiff_t j = 0; j < n; j++)                                            \
            h[r * n + j] = o[j] * tc[r * n + j];                                     \
    }                                                                                \
}

SKRNN_DEFINE_LSTM_PRE(double, d)
SKRNN_DEFINE_LSTM_PRE(float, f)
SKRNN_DEFINE_LSTM_CELL(double, d)
SKRNN_DEFINE_LSTM_CELL(float, f)
SKRNN_DEFINE_LSTM_OUT(double, d)
SKRNN_DEFINE_LSTM_OUT(float, f)

/* -- the cell in registers, tile by tile -------------------------------------
 *
 * skrnn_lstm_cells_<T>(z, c_prev, c, tc, h, m, n, keep_tc): gates, c_t,
 * tanh(c_t) and h_t of m rows without peepholes, where z holds the rows'
 * [z_i z_f z_g z_o] (bias included) and receives the gates [i f g o]; tc
 * receives tanh(c_t) if keep_tc (training), else is scratch. With AVX-512
 * and libmvec, blocks of 16 floats (8 doubles) go through the activations
 * and the cell arithmetic in registers (AVX2: 8 floats, 4 doubles): two passes over the rows instead of
 * five, and no call per buffer. In float32 the logistic gates use
 * skrnn_sigmoid_f16 (skrnn_sigmoid_f8) and the tanh skrnn_tanh_f16
 * (skrnn_tanh_f8) below, all inline; in float64, libmvec's tanh on the
 * registers and the tanh form of the logistic function of the passes. A unit's result depends on nothing but its row (a partial
 * block is masked), which batch-invariant prediction needs. Elsewhere the
 * passes run. */
#include "_vmath.h"
#include "_rowgemm.h"  /* skrnn_mask_ps, skrnn_mask_pd: the AVX2 lane masks */

#define SKRNN_DEFINE_LSTM_PASSES(T, SUFFIX)                                          \
static void skrnn_lstm_passes_##SUFFIX(T *z, const T *c_prev, T *c, T *tc, T *h,    \
                                       ptrdiff_t m, ptrdiff_t n)                     \
{                                                                                    \
    skrnn_lstm_pre_##SUFFIX(z, m, n);                                                \
    skrnn_vtanh_##SUFFIX(z, m * 4 * n);                                              \
    skrnn_lstm_cell_##SUFFIX(z, c_prev, c, m, n);                                    \
    memcpy(tc, c, (size_t) (m * n) * sizeof(T));                                     \
    skrnn_vtanh_##SUFFIX(tc, m * n);                                                 \
    skrnn_lstm_out_##SUFFIX(z, tc, h, m, n);                                         \
}

SKRNN_DEFINE_LSTM_PASSES(double, d)
SKRNN_DEFINE_LSTM_PASSES(float, f)

#ifdef SKRNN_HAVE_LIBMVEC
#define SKRNN_DEFINE_LSTM_FUSED(T, SUFFIX, VEC, W, MASK, SET1, MLOAD, MSTORE, MUL, ADD, TANH) \
__attribute__((target("avx512f")))                                                   \
static void skrnn_lstm_fused_##SUFFIX(T *z, const T *c_prev, T *c, T *tc, T *h,    \
                                      ptrdiff_t m, ptrdiff_t n)                      \
{                                                                                    \
    const VEC half = SET1((T) 0.5);                                                  \
    for (ptrdiff_t r = 0; r < m; r++) {                                              \
        T *zr = z + r * 4 * n;                                                       \
        const T *cp = c_prev + r * n;                                                \
        T *cr = c + r * n, *hr = h + r * n;                                          \
        for (ptrdiff_t j = 0; j < n; j += W) {                                       \
            MASK k = (MASK) (n - j >= W ? ~0u : (1u << (n - j)) - 1u);               \
            VEC i = TANH(MUL(half, MLOAD(k, zr + j)));                               \
            VEC f = TANH(MUL(half, MLOAD(k, zr + n + j)));                           \
            VEC g = TANH(MLOAD(k, zr + 2 * n + j));                                  \
            VEC o = TANH(MUL(half, MLOAD(k, zr + 3 * n + j)));                       \
            i = ADD(half, MUL(half, i));                                             \
            f = ADD(half, MUL(half, f));                                             \
            o = ADD(half, MUL(half, o));                                             \
            VEC cn = ADD(MUL(f, MLOAD(k, cp + j)), MUL(i, g));                       \
            VEC t = TANH(cn);                                                        \
            MSTORE(zr + j, k, i);                                                    \
            MSTORE(zr + n + j, k, f);                                                \
            MSTORE(zr + 2 * n + j, k, g);                                            \
            MSTORE(zr + 3 * n + j, k, o);                                            \
            MSTORE(cr + j, k, cn);                                                   \
            if (tc)                                                                  \
                MSTORE(tc + r * n + j, k, t);                                        \
            MSTORE(hr + j, k, MUL(o, t));                                            \
        }                                                                            \
    }                                                                                \
}

/* The logistic function of 16 floats, as 1 / (1 + exp(-x)): exp by
 * Cody-Waite reduction to |r| <= ln(2) / 2, a degree-6 polynomial (our
 * least-squares fit of exp on that interval, relative error 2.2e-9) and a
 * scaling by 2^n, then a reciprocal refined by one Newton step. Measured
 * (tests/kernels/test_lstm.py): within 3 ulp relative for x in [-87, 88],
 * and within 1e-38 absolute beyond, where x is clamped to [-88, 88] so
 * that exp stays finite; NaN stays NaN. It replaces the tanh-based form
 * of the training passes in the fused cell: fewer operations per gate. */
/* The degree-6 polynomial of exp on [-ln(2) / 2, ln(2) / 2] (coefficients of
 * r^6 .. r^2; those of r and 1 are 1), and ln(2) in two parts, the first
 * exact in float32, for the reduction r = y - n ln(2). */
#define SKRNN_EXP_P6 1.385929062962532e-3f
#define SKRNN_EXP_P5 8.374763652682304e-3f
#define SKRNN_EXP_P4 4.166772589087486e-2f
#define SKRNN_EXP_P3 1.666642129421234e-1f
#define SKRNN_EXP_P2 4.999999403953552e-1f
#define SKRNN_LN2_HI 0.693145751953125f
#define SKRNN_LN2_LO 1.42860682030941723e-6f
/* exp(r) by Horner's rule, in any register width (FMA and SET1 its intrinsics) */
#define SKRNN_EXP_POLY(FMA, SET1, r)                                                 \
    FMA(FMA(FMA(FMA(FMA(FMA(SET1(SKRNN_EXP_P6), r, SET1(SKRNN_EXP_P5)), r,           \
                        SET1(SKRNN_EXP_P4)), r, SET1(SKRNN_EXP_P3)), r,              \
                SET1(SKRNN_EXP_P2)), r, SET1(1.0f)), r, SET1(1.0f))

__attribute__((target("avx512f")))
static inline __m512 skrnn_sigmoid_f16(__m512 x)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    /* min(c, x) and max(c, x) return x when x is NaN */
    __m512 y = _mm512_max_ps(_mm512_set1_ps(-88.0f), _mm512_min_ps(_mm512_set1_ps(88.0f), x));
    y = _mm512_sub_ps(_mm512_setzero_ps(), y);
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(y, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(SKRNN_LN2_HI), y);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(SKRNN_LN2_LO), r);
    __m512 p = SKRNN_EXP_POLY(_mm512_fmadd_ps, _mm512_set1_ps, r);
    __m512 d = _mm512_add_ps(one, _mm512_scalef_ps(p, n));
    __m512 q = _mm512_rcp14_ps(d);
    return _mm512_fmadd_ps(q, _mm512_fnmadd_ps(d, q, one), q);
}

/* printed by benchmarks/derive_tanh_rational.py */
#define SKRNN_TANH_P1 0.13385303f
#define SKRNN_TANH_P2 0.0035005452f
#define SKRNN_TANH_P3 2.068574e-05f
#define SKRNN_TANH_P4 1.3451504e-08f
#define SKRNN_TANH_Q1 0.46718624f
#define SKRNN_TANH_Q2 0.025896156f
#define SKRNN_TANH_Q3 0.000329353f
#define SKRNN_TANH_Q4 7.818188e-07f
/* P(s) and Q(s) by Horner's rule, s = x^2, in any register width */
#define SKRNN_TANH_NUM(FMA, SET1, s)                                                 \
    FMA(FMA(FMA(FMA(SET1(SKRNN_TANH_P4), s, SET1(SKRNN_TANH_P3)), s,                 \
                SET1(SKRNN_TANH_P2)), s, SET1(SKRNN_TANH_P1)), s, SET1(1.0f))
#define SKRNN_TANH_DEN(FMA, SET1, s)                                                 \
    FMA(FMA(FMA(FMA(SET1(SKRNN_TANH_Q4), s, SET1(SKRNN_TANH_Q3)), s,                 \
                SET1(SKRNN_TANH_Q2)), s, SET1(SKRNN_TANH_Q1)), s, SET1(1.0f))

/* tanh of 16 floats as x P(x^2) / Q(x^2), P and Q of degree 4 (our
 * weighted least-squares fit of tanh(x) / x on [0, 9.02] by Lawson's
 * iteration, relative error 2.5e-8 before rounding; the script is
 * benchmarks/derive_tanh_rational.py), with x clamped to [-9.02, 9.02], past
 * which tanh rounds to +-1 in float32, and the division by a reciprocal
 * refined by one Newton step. Measured (tests/kernels/test_lstm.py): within
 * 6 ulp of float64 tanh (the rounding of the evaluation, near +-1), 0 and
 * the sign kept, +-1 at +-inf, NaN stays NaN. Sixteen operations inline
 * against libmvec's call of 36 instructions, a third of them table
 * permutations on one port: the cell's two tanh per unit were a quarter of
 * a float32 prediction at hidden 32. */
__attribute__((target("avx512f")))
static inline __m512 skrnn_tanh_f16(__m512 x)
{
    /* min(c, x) and max(c, x) return x when x is NaN */
    __m512 y = _mm512_max_ps(_mm512_set1_ps(-9.02f), _mm512_min_ps(_mm512_set1_ps(9.02f), x));
    __m512 s = _mm512_mul_ps(y, y);
    __m512 p = SKRNN_TANH_NUM(_mm512_fmadd_ps, _mm512_set1_ps, s);
    __m512 q = SKRNN_TANH_DEN(_mm512_fmadd_ps, _mm512_set1_ps, s);
    __m512 num = _mm512_mul_ps(y, p);
    __m512 r = _mm512_rcp14_ps(q);
    __m512 e = _mm512_fnmadd_ps(q, r, _mm512_set1_ps(1.0f));
    __m512 t = _mm512_mul_ps(num, r);
    return _mm512_fmadd_ps(t, e, t);
}

__attribute__((target("avx512f")))
static void skrnn_logistic_masked_f16(float *x, __mmask16 k)
{
    _mm512_mask_storeu_ps(x, k, skrnn_sigmoid_f16(_mm512_maskz_loadu_ps(k, x)));
}

__attribute__((target("avx512f")))
static void skrnn_tanh_masked_f16(float *x, __mmask16 k)
{
    _mm512_mask_storeu_ps(x, k, skrnn_tanh_f16(_mm512_maskz_loadu_ps(k, x)));
}

__attribute__((target("avx512f")))
static void skrnn_lstm_fused_f(float *z, const float *c_prev, float *c, float *tc, float *h,
                               ptrdiff_t m, ptrdiff_t n)
{
    /* the logistic gates of the whole tile first: inline and independent
     * of one another, they pipeline, where a chain per unit block would
     * wait on its own latency */
    for (ptrdiff_t r = 0; r < m; r++) {
        float *zr = z + r * 4 * n;
        for (ptrdiff_t j = 0; j < n; j += 16) {
            __mmask16 k = (__mmask16) (n - j >= 16 ? 0xFFFFu : (1u << (n - j)) - 1u);
            _mm512_mask_storeu_ps(zr + j, k, skrnn_sigmoid_f16(_mm512_maskz_loadu_ps(k, zr + j)));
            _mm512_mask_storeu_ps(zr + n + j, k,
                                  skrnn_sigmoid_f16(_mm512_maskz_loadu_ps(k, zr + n + j)));
            _mm512_mask_storeu_ps(zr + 3 * n + j, k,
                                  skrnn_sigmoid_f16(_mm512_maskz_loadu_ps(k, zr + 3 * n + j)));
        }
    }
    for (ptrdiff_t r = 0; r < m; r++) {
        float *zr = z + r * 4 * n;
        const float *cp = c_prev + r * n;
        float *cr = c + r * n, *hr = h + r * n;
        for (ptrdiff_t j = 0; j < n; j += 16) {
            __mmask16 k = (__mmask16) (n - j >= 16 ? 0xFFFFu : (1u << (n - j)) - 1u);
            __m512 g = skrnn_tanh_f16(_mm512_maskz_loadu_ps(k, zr + 2 * n + j));
            __m512 cn = _mm512_add_ps(
                _mm512_mul_ps(_mm512_maskz_loadu_ps(k, zr + n + j), _mm512_maskz_loadu_ps(k, cp + j)),
                _mm512_mul_ps(_mm512_maskz_loadu_ps(k, zr + j), g));
            __m512 t = skrnn_tanh_f16(cn);
            _mm512_mask_storeu_ps(zr + 2 * n + j, k, g);
            _mm512_mask_storeu_ps(cr + j, k, cn);
            if (tc)
                _mm512_mask_storeu_ps(tc + r * n + j, k, t);
            _mm512_mask_storeu_ps(hr + j, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, zr + 3 * n + j), t));
        }
    }
}

SKRNN_DEFINE_LSTM_FUSED(double, d, __m512d, 8, __mmask8, _mm512_set1_pd,
                        _mm512_maskz_loadu_pd, _mm512_mask_storeu_pd, _mm512_mul_pd,
                        _mm512_add_pd, _ZGVeN8v_tanh)

/* -- the same cell on AVX2 machines (8 floats or 4 doubles a register) ------
 *
 * The same two passes as skrnn_lstm_fused_f, with the same functions of
 * the same polynomials, in 256-bit registers: AVX2 has neither
 * _mm256_scalef_ps nor a 14-bit reciprocal, so 2^n is built in the
 * exponent field and the last step is a true division (more exact than
 * the refined reciprocal, and the divider is a unit of its own that the
 * polynomials do not wait for). A unit block past n is loaded and stored
 * through a mask, so a unit's result depends on nothing but its row. */
__attribute__((target("avx2,fma")))
static inline __m256 skrnn_sigmoid_f8(__m256 x)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    /* min(c, x) and max(c, x) return x when x is NaN */
    __m256 y = _mm256_max_ps(_mm256_set1_ps(-88.0f), _mm256_min_ps(_mm256_set1_ps(88.0f), x));
    y = _mm256_sub_ps(_mm256_setzero_ps(), y);
    __m256 n = _mm256_round_ps(_mm256_mul_ps(y, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(SKRNN_LN2_HI), y);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(SKRNN_LN2_LO), r);
    __m256 p = SKRNN_EXP_POLY(_mm256_fmadd_ps, _mm256_set1_ps, r);
    /* 2^n in the exponent field, n in [-127, 127]: n = -127 (x near the
     * upper clamp) gives 0, where 1 + 2^n rounds to 1 anyway; a NaN's n
     * gives some power of two, and p keeps the NaN */
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n),
                                                   _mm256_set1_epi32(127)), 23);
    __m256 d = _mm256_fmadd_ps(p, _mm256_castsi256_ps(e), one);
    return _mm256_div_ps(one, d);
}

__attribute__((target("avx2,fma")))
static inline __m256 skrnn_tanh_f8(__m256 x)
{
    /* min(c, x) and max(c, x) return x when x is NaN */
    __m256 y = _mm256_max_ps(_mm256_set1_ps(-9.02f), _mm256_min_ps(_mm256_set1_ps(9.02f), x));
    __m256 s = _mm256_mul_ps(y, y);
    __m256 p = SKRNN_TANH_NUM(_mm256_fmadd_ps, _mm256_set1_ps, s);
    __m256 q = SKRNN_TANH_DEN(_mm256_fmadd_ps, _mm256_set1_ps, s);
    return _mm256_div_ps(_mm256_mul_ps(y, p), q);
}

/* The activations of lanes 0 .. count - 1 at x, in place (for the tests). */
__attribute__((target("avx2,fma")))
static void skrnn_tanh_masked_f8(float *x, ptrdiff_t count)
{
    __m256i k = skrnn_mask_ps(count);
    _mm256_maskstore_ps(x, k, skrnn_tanh_f8(_mm256_maskload_ps(x, k)));
}

__attribute__((target("avx2,fma")))
static void skrnn_sigmoid_masked_f8(float *x, ptrdiff_t count)
{
    __m256i k = skrnn_mask_ps(count);
    _mm256_maskstore_ps(x, k, skrnn_sigmoid_f8(_mm256_maskload_ps(x, k)));
}

/* Loads and stores of a whole register, or of the lanes of a mask: called
 * with a constant `full`, so each loop's body is compiled without a test. */
#define SKRNN_DEFINE_AVX2_IO(T, SUFFIX, VEC, LOAD, STORE, MLOAD, MSTORE)             \
__attribute__((target("avx2,fma"), always_inline))                                   \
static inline VEC skrnn_load_##SUFFIX(const T *x, __m256i k, int full)               \
{                                                                                    \
    return full ? LOAD(x) : MLOAD(x, k);                                             \
}                                                                                    \
__attribute__((target("avx2,fma"), always_inline))                                   \
static inline void skrnn_store_##SUFFIX(T *x, __m256i k, VEC v, int full)            \
{                                                                                    \
    if (full)                                                                        \
        STORE(x, v);                                                                 \
    else                                                                             \
        MSTORE(x, k, v);                                                             \
}

SKRNN_DEFINE_AVX2_IO(float, f8, __m256, _mm256_loadu_ps, _mm256_storeu_ps,
                     _mm256_maskload_ps, _mm256_maskstore_ps)
SKRNN_DEFINE_AVX2_IO(double, d4, __m256d, _mm256_loadu_pd, _mm256_storeu_pd,
                     _mm256_maskload_pd, _mm256_maskstore_pd)

/* The logistic gates i, f, o of units j .. j + 7 of one row. */
__attribute__((target("avx2,fma"), always_inline))
static inline void skrnn_gates_f8(float *zr, ptrdiff_t n, ptrdiff_t j, __m256i k, int full)
{
    skrnn_store_f8(zr + j, k, skrnn_sigmoid_f8(skrnn_load_f8(zr + j, k, full)), full);
    skrnn_store_f8(zr + n + j, k, skrnn_sigmoid_f8(skrnn_load_f8(zr + n + j, k, full)), full);
    skrnn_store_f8(zr + 3 * n + j, k,
                   skrnn_sigmoid_f8(skrnn_load_f8(zr + 3 * n + j, k, full)), full);
}

/* g, c_t, tanh(c_t) and h_t of units j .. j + 7 of one row (tc may be NULL). */
__attribute__((target("avx2,fma"), always_inline))
static inline void skrnn_state_f8(float *zr, const float *cp, float *cr, float *tcr,
                                  float *hr, ptrdiff_t n, ptrdiff_t j, __m256i k, int full)
{
    __m256 g = skrnn_tanh_f8(skrnn_load_f8(zr + 2 * n + j, k, full));
    __m256 cn = _mm256_add_ps(_mm256_mul_ps(skrnn_load_f8(zr + n + j, k, full),
                                            skrnn_load_f8(cp + j, k, full)),
                              _mm256_mul_ps(skrnn_load_f8(zr + j, k, full), g));
    __m256 t = skrnn_tanh_f8(cn);
    skrnn_store_f8(zr + 2 * n + j, k, g, full);
    skrnn_store_f8(cr + j, k, cn, full);
    if (tcr)
        skrnn_store_f8(tcr + j, k, t, full);
    skrnn_store_f8(hr + j, k, _mm256_mul_ps(skrnn_load_f8(zr + 3 * n + j, k, full), t), full);
}

__attribute__((target("avx2,fma")))
static void skrnn_lstm_fused_f_avx2(float *z, const float *c_prev, float *c, float *tc,
                                    float *h, ptrdiff_t m, ptrdiff_t n)
{
    const ptrdiff_t whole = n - n % 8;
    const __m256i all = skrnn_mask_ps(8), tail = skrnn_mask_ps(n - whole);
    /* the logistic gates of the whole tile first, as in skrnn_lstm_fused_f */
    for (ptrdiff_t r = 0; r < m; r++) {
        float *zr = z + r * 4 * n;
        for (ptrdiff_t j = 0; j < whole; j += 8)
            skrnn_gates_f8(zr, n, j, all, 1);
        if (whole < n)
            skrnn_gates_f8(zr, n, whole, tail, 0);
    }
    for (ptrdiff_t r = 0; r < m; r++) {
        float *zr = z + r * 4 * n, *tcr = tc ? tc + r * n : NULL;
        const float *cp = c_prev + r * n;
        for (ptrdiff_t j = 0; j < whole; j += 8)
            skrnn_state_f8(zr, cp, c + r * n, tcr, h + r * n, n, j, all, 1);
        if (whole < n)
            skrnn_state_f8(zr, cp, c + r * n, tcr, h + r * n, n, whole, tail, 0);
    }
}

/* float64: libmvec's AVX2 tanh on the registers, the logistic gates in the
 * tanh form s(z) = (1 + tanh(z / 2)) / 2, as in the AVX-512 float64 cell. */
__attribute__((target("avx2,fma"), always_inline))
static inline void skrnn_cell_d4(double *zr, const double *cp, double *cr, double *tcr,
                                 double *hr, ptrdiff_t n, ptrdiff_t j, __m256i k, int full)
{
    const __m256d half = _mm256_set1_pd(0.5);
    __m256d i = _ZGVdN4v_tanh(_mm256_mul_pd(half, skrnn_load_d4(zr + j, k, full)));
    __m256d f = _ZGVdN4v_tanh(_mm256_mul_pd(half, skrnn_load_d4(zr + n + j, k, full)));
    __m256d g = _ZGVdN4v_tanh(skrnn_load_d4(zr + 2 * n + j, k, full));
    __m256d o = _ZGVdN4v_tanh(_mm256_mul_pd(half, skrnn_load_d4(zr + 3 * n + j, k, full)));
    i = _mm256_add_pd(half, _mm256_mul_pd(half, i));
    f = _mm256_add_pd(half, _mm256_mul_pd(half, f));
    o = _mm256_add_pd(half, _mm256_mul_pd(half, o));
    __m256d cn = _mm256_add_pd(_mm256_mul_pd(f, skrnn_load_d4(cp + j, k, full)),
                               _mm256_mul_pd(i, g));
    __m256d t = _ZGVdN4v_tanh(cn);
    skrnn_store_d4(zr + j, k, i, full);
    skrnn_store_d4(zr + n + j, k, f, full);
    skrnn_store_d4(zr + 2 * n + j, k, g, full);
    skrnn_store_d4(zr + 3 * n + j, k, o, full);
    skrnn_store_d4(cr + j, k, cn, full);
    if (tcr)
        skrnn_store_d4(tcr + j, k, t, full);
    skrnn_store_d4(hr + j, k, _mm256_mul_pd(o, t), full);
}

__attribute__((target("avx2,fma")))
static void skrnn_lstm_fused_d_avx2(double *z, const double *c_prev, double *c, double *tc,
                                    double *h, ptrdiff_t m, ptrdiff_t n)
{
    const ptrdiff_t whole = n - n % 4;
    const __m256i all = skrnn_mask_pd(4), tail = skrnn_mask_pd(n - whole);
    for (ptrdiff_t r = 0; r < m; r++) {
        double *zr = z + r * 4 * n, *tcr = tc ? tc + r * n : NULL;
        const double *cp = c_prev + r * n;
        for (ptrdiff_t j = 0; j < whole; j += 4)
            skrnn_cell_d4(zr, cp, c + r * n, tcr, h + r * n, n, j, all, 1);
        if (whole < n)
            skrnn_cell_d4(zr, cp, c + r * n, tcr, h + r * n, n, whole, tail, 0);
    }
}
#endif

#define SKRNN_DEFINE_LSTM_CELLS(T, SUFFIX)                                           \
static void skrnn_lstm_cells_##SUFFIX(T *z, const T *c_prev, T *c, T *tc, T *h,     \
                                      ptrdiff_t m, ptrdiff_t n, int keep_tc)         \
{                                                                                    \
    SKRNN_LSTM_FUSED_IF_SIMD(SUFFIX)                                                 \
    skrnn_lstm_passes_##SUFFIX(z, c_prev, c, tc, h, m, n);                           \
}

#ifdef SKRNN_HAVE_LIBMVEC
#define SKRNN_LSTM_FUSED_IF_SIMD(SUFFIX)                                             \
    if (skrnn_isa_level() == 2) {                                                    \
        skrnn_lstm_fused_##SUFFIX(z, c_prev, c, keep_tc ? tc : NULL, h, m, n);       \
        return;                                                                      \
    }                                                                                \
    if (skrnn_isa_level() == 1) {                                                    \
        skrnn_lstm_fused_##SUFFIX##_avx2(z, c_prev, c, keep_tc ? tc : NULL, h, m, n);\
        return;                                                                      \
    }
#else
#define SKRNN_LSTM_FUSED_IF_SIMD(SUFFIX)
#endif

SKRNN_DEFINE_LSTM_CELLS(double, d)
SKRNN_DEFINE_LSTM_CELLS(float, f)

/* The tanh of the fused float32 cell over a buffer, for the tests; libm's
 * tanhf where the fused cell does not run. */
static void skrnn_cell_tanh_f(float *x, ptrdiff_t n)
{
    ptrdiff_t i = 0;
#ifdef SKRNN_HAVE_LIBMVEC
    if (skrnn_isa_level() == 2)
        for (; i < n; i += 16) {
            __mmask16 k = (__mmask16) (n - i >= 16 ? 0xFFFFu : (1u << (n - i)) - 1u);
            skrnn_tanh_masked_f16(x + i, k);
        }
    else if (skrnn_isa_level() == 1)
        for (; i < n; i += 8)
            skrnn_tanh_masked_f8(x + i, n - i);
#endif
    for (; i < n; i++)
        x[i] = tanhf(x[i]);
}

/* The logistic function of the fused cell over a buffer, for the tests;
 * 1 / (1 + expf(-x)) where the fused cell does not run. */
#include <math.h>
static void skrnn_logistic_f(float *x, ptrdiff_t n)
{
    ptrdiff_t i = 0;
#ifdef SKRNN_HAVE_LIBMVEC
    if (skrnn_isa_level() == 2)
        for (; i < n; i += 16) {
            __mmask16 k = (__mmask16) (n - i >= 16 ? 0xFFFFu : (1u << (n - i)) - 1u);
            skrnn_logistic_masked_f16(x + i, k);
        }
    else if (skrnn_isa_level() == 1)
        for (; i < n; i += 8)
            skrnn_sigmoid_masked_f8(x + i, n - i);
#endif
    for (; i < n; i++)
        x[i] = 1.0f / (1.0f + expf(-x[i]));
}

#endif
