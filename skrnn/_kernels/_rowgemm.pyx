"""Python access to the batch-invariant matrix product (see _rowgemm.h)."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
from cython cimport floating


def rowwise_matmul_add(const floating[:, ::1] A, const floating[:, ::1] B,
                       floating[:, ::1] C):
    """C += A @ B, each row of C a function of the same row of A alone.

    Parameters
    ----------
    A : ndarray of shape (m, k)
    B : ndarray of shape (k, n)
    C : ndarray of shape (m, n)
        Updated in place.
    """
    if A.shape[1] != B.shape[0] or C.shape[0] != A.shape[0] or C.shape[1] != B.shape[1]:
        raise ValueError("rowwise_matmul_add: shapes do not match")
    if A.shape[0] == 0 or B.shape[1] == 0:
        return
    with nogil:
        row_gemm(A.shape[0], B.shape[1], A.shape[1], &A[0, 0], A.shape[1], &B[0, 0],
                 B.shape[1], &C[0, 0], C.shape[1])
