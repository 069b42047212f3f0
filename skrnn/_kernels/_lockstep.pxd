"""Helpers of the kernels that advance a batch of sequences in lockstep."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

ctypedef Py_ssize_t intp_t


cdef inline Py_ssize_t _length(const intp_t[::1] offsets, intp_t s) noexcept nogil:
    return offsets[s + 1] - offsets[s]


cdef inline bint _consecutive(const intp_t[::1] offsets, const intp_t* order,
                              Py_ssize_t n) noexcept nogil:
    """Whether the ``n`` sequences of ``order`` have one length and follow each
    other in memory (then step t of each lies at a fixed stride)."""
    cdef Py_ssize_t s, length = _length(offsets, order[0])
    for s in range(n):
        if order[s] != order[0] + s or _length(offsets, order[s]) != length:
            return False
    return True
