"""The batch-invariant matrix product of _rowgemm.h (see there), fused over dtypes."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
from cython cimport floating

cdef extern from "_rowgemm.h" nogil:
    void skrnn_rowgemm_f(Py_ssize_t m, Py_ssize_t n, Py_ssize_t k, const float* A,
                         Py_ssize_t lda, const float* B, Py_ssize_t ldb, float* C,
                         Py_ssize_t ldc)
    void skrnn_rowgemm_d(Py_ssize_t m, Py_ssize_t n, Py_ssize_t k, const double* A,
                         Py_ssize_t lda, const double* B, Py_ssize_t ldb, double* C,
                         Py_ssize_t ldc)


cdef inline void row_gemm(Py_ssize_t m, Py_ssize_t n, Py_ssize_t k, const floating* A,
                          Py_ssize_t lda, const floating* B, Py_ssize_t ldb, floating* C,
                          Py_ssize_t ldc) noexcept nogil:
    """C (m, n) += A (m, k) @ B (k, n), row-major; row r of C depends on row r
    of A alone, bit for bit, whatever m."""
    if floating is double:
        skrnn_rowgemm_d(m, n, k, A, lda, B, ldb, C, ldc)
    else:
        skrnn_rowgemm_f(m, n, k, A, lda, B, ldb, C, ldc)
