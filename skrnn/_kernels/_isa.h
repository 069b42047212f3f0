/* The SIMD level the hand-dispatched kernels use: 2 AVX-512, 1 AVX2 + FMA,
 * 0 baseline. Detected once (a benign race: every thread computes the same
 * value). SKRNN_ISA_LEVEL=0, 1 or 2 in the environment lowers it, never
 * raises it, so that the tests can run every code path on one machine.
 *
 * The dispatched code exists only on x86-64 with a GNU-compatible compiler
 * (GCC, clang, Apple clang, MinGW): SKRNN_X86_DISPATCH says so, and every
 * header guards its intrinsics with it. Elsewhere (ARM64, MSVC) only the
 * portable loops are compiled. clang defines __GNUC__ too, and takes this
 * path: it needs the target attributes below on every function that uses
 * an intrinsic, helpers included (GCC lets a helper without one be inlined
 * into a function that has one; clang does not).
 */
#ifndef SKRNN_ISA_H
#define SKRNN_ISA_H

/* `restrict` is C99, but MSVC's C takes it only with /std:c11 and later;
 * __restrict it always takes. */
#if defined(_MSC_VER) && !defined(__clang__)
#define SKRNN_RESTRICT __restrict
#else
#define SKRNN_RESTRICT restrict
#endif

#if defined(__x86_64__) && defined(__GNUC__) && !defined(SKRNN_NO_SIMD_DISPATCH)
#define SKRNN_X86_DISPATCH 1
#include <stdlib.h>

/* A function compiled for AVX2 + FMA, or for AVX-512 Foundation. */
#define SKRNN_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define SKRNN_TARGET_AVX512 __attribute__((target("avx512f")))

__attribute__((unused)) static int skrnn_isa_level(void)
{
    static int level = -1;
    if (level < 0) {
        const char *forced = getenv("SKRNN_ISA_LEVEL");
        int detected;
        __builtin_cpu_init();
        detected = __builtin_cpu_supports("avx512f") ? 2
                 : (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) ? 1 : 0;
        if (forced && forced[0] >= '0' && forced[0] <= '2' && forced[1] == '\0'
                && forced[0] - '0' < detected)
            detected = forced[0] - '0';
        level = detected;
    }
    return level;
}
#endif

#endif
