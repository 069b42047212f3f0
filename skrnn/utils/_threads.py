"""Thread counts for the compiled kernels and the BLAS libraries they call."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from joblib import effective_n_jobs
from threadpoolctl import ThreadpoolController

_CONTROLLER = None
_LOCAL = threading.local()
_EXECUTOR = None
_EXECUTOR_LOCK = threading.Lock()


def _forget_executor():
    """In a forked child the pool's threads are gone: start a new pool there."""
    global _EXECUTOR, _EXECUTOR_LOCK
    _EXECUTOR = None
    _EXECUTOR_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_executor)


def _controller():
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER


@contextmanager
def limit_threads(n_jobs, *, parallel_kernels=False, blas_free=False):
    """Run the enclosed work on ``n_jobs`` threads (None means one: the machines are shared).

    Parameters
    ----------
    n_jobs : int or None
    parallel_kernels : bool, default=False
        False: BLAS may use ``n_jobs`` threads (for estimators whose work is
        a few large products). True: the recurrent kernels split their
        batches into that many blocks run by :func:`run_in_parallel`, and
        BLAS stays on one thread throughout: an OpenBLAS worker keeps
        spinning for a tenth of a second after each multi-threaded call, and
        on two cores that spinning thread took the core the kernel's second
        block needed.
    blas_free : bool, default=False
        The enclosed work calls no BLAS (prediction, which runs on skrnn's
        own products): the BLAS thread count is left alone, since setting
        and restoring it costs tens of microseconds, a few percent of a
        small prediction call.
    """
    n_threads = effective_n_jobs(n_jobs)
    previous = getattr(_LOCAL, "state", None)
    blas = 1 if parallel_kernels else n_threads
    _LOCAL.state = (n_threads if parallel_kernels else 1, blas)
    try:
        if blas_free:
            yield
        else:
            with _controller().limit(limits=blas, user_api="blas"):
                yield
    finally:
        if previous is None:  # outermost: kernels called later are on their own
            del _LOCAL.state
        else:
            _LOCAL.state = previous


@contextmanager
def single_threaded_blas():
    """One BLAS thread for a kernel's per-step products (free when the
    enclosing :func:`limit_threads` has BLAS on one thread already)."""
    if getattr(_LOCAL, "state", (1, None))[1] == 1:
        yield
        return
    with _controller().limit(limits=1, user_api="blas"):
        yield


# Below this many multiply-adds per block, waking a thread costs more than it
# saves. Measured on 2 cores over 50-step sequences (Elman and LSTM, hidden
# 16 and 32): two blocks of 3.4-3.7 million ran 5-25% slower than one. Two
# of about 7 million ran 12% faster when predict was called in a loop, but
# 15% slower in a single call right after fit (the benchmark's case, and a
# common one: the woken thread and its core start cold).
MIN_WORK_PER_BLOCK = 8_000_000


def kernel_threads(work=None):
    """The number of parallel blocks the innermost :func:`limit_threads` allows.

    Parameters
    ----------
    work : int, default=None
        Multiply-adds of the kernel call, if known: no more blocks than
        give each ``MIN_WORK_PER_BLOCK``.
    """
    n_threads = getattr(_LOCAL, "state", (1, None))[0]
    if work is not None:
        n_threads = max(1, min(n_threads, int(work // MIN_WORK_PER_BLOCK)))
    return n_threads


def run_in_parallel(calls):
    """Run ``calls`` (callables without arguments) at once and wait for all.

    The first runs in this thread, the others in a pool of worker threads
    kept for the process. The kernels release the GIL, so they run in
    parallel. Threads wait for their work by blocking, not spinning: on a
    shared machine, spinning workers (OpenMP's default) steal the cores the
    others need, and made small kernels several times slower with two
    threads than with one.
    """
    if len(calls) == 1:
        calls[0]()
        return
    futures = [submit(call) for call in calls[1:]]
    try:
        calls[0]()
    finally:
        for future in futures:
            future.result()


def submit(call):
    """Start ``call()`` on a worker thread of the process's pool; its future."""
    global _EXECUTOR
    with _EXECUTOR_LOCK:
        if _EXECUTOR is None:
            _EXECUTOR = ThreadPoolExecutor(max_workers=os.cpu_count() or 1,
                                           thread_name_prefix="skrnn-kernel")
    return _EXECUTOR.submit(call)
