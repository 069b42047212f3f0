"""Checked scratch allocations of the kernels (nogil), and the error they raise.

A kernel asks for all its buffers with :func:`take` before it writes
anything, checks ``failed`` once, and on failure frees what it took
(``free(NULL)`` does nothing) and returns the size it could not get; its
Python entry point then raises :class:`MemoryError` with that size. Nothing
has been written to the caller's arrays by then, so a model whose kernel
fails is left as it was.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
from libc.stdint cimport SIZE_MAX
from libc.stdlib cimport calloc


cdef inline void* take(Py_ssize_t count, size_t size, size_t* failed) noexcept nogil:
    """Zeroed memory for ``count`` items of ``size`` bytes (at least one item).

    Returns NULL without asking if an earlier :func:`take` with the same
    ``failed`` failed, so that a function holding several buffers stops at
    the first failure; a failure stores the bytes asked for in ``failed``
    (``SIZE_MAX`` when the product overflows).
    """
    cdef void* p
    cdef size_t n
    if failed[0]:
        return NULL
    if count < 1:
        count = 1
    p = calloc(<size_t> count, size)
    if p == NULL:
        n = <size_t> count
        failed[0] = n * size if size == 0 or n <= SIZE_MAX // size else SIZE_MAX
    return p


cdef inline int check_taken(size_t failed, str kernel) except -1:
    """Raise MemoryError if a kernel reported a failed allocation of ``failed`` bytes."""
    if failed:
        raise MemoryError(f"{kernel}: could not allocate {failed} bytes of scratch memory "
                          f"({failed / 2**20:.1f} MiB).")
    return 0
