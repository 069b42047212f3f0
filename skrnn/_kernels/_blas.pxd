"""Row-major fused wrappers over scipy.linalg.cython_blas."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
from cython cimport floating
from scipy.linalg.cython_blas cimport dgemm, sgemm


cdef inline void gemm_rm(bint trans_b, int m, int n, int k, floating alpha,
                         const floating* A, int lda,
                         const floating* B, int ldb,
                         floating beta, floating* C, int ldc) noexcept nogil:
    """C (m, n) = alpha * A (m, k) @ op(B) + beta * C, all row-major.

    op(B) is B of shape (k, n) when ``trans_b`` is false, and the transpose
    of B of shape (n, k) otherwise. Row-major C = A @ B is column-major
    C^T = B^T @ A^T, so the Fortran BLAS is called with the operands swapped.
    """
    cdef char ta = b'T' if trans_b else b'N'
    cdef char tb = b'N'
    if m == 0 or n == 0:
        return
    if floating is double:
        dgemm(&ta, &tb, &n, &m, &k, &alpha, <double*> B, &ldb,
              <double*> A, &lda, &beta, C, &ldc)
    else:
        sgemm(&ta, &tb, &n, &m, &k, &alpha, <float*> B, &ldb,
              <float*> A, &lda, &beta, C, &ldc)
