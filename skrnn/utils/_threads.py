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


def _controller():
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER


@contextmanager
def limit_threads(n_jobs):
    """Run the enclosed work on ``n_jobs`` threads (None means one: the machines are shared).

    The kernels split their batches into that many parallel blocks (see
    :func:`kernel_threads` and :func:`run_in_parallel`), and BLAS stays on
    one thread throughout: an OpenBLAS worker keeps spinning for a tenth of
    a second after each multi-threaded call, and on two cores that spinning
    thread took the core the kernel's second block needed.
    """
    n_threads = effective_n_jobs(n_jobs)
    previous = kernel_threads()
    _LOCAL.n_threads = n_threads
    try:
        with _controller().limit(limits=1, user_api="blas"):
            yield
    finally:
        _LOCAL.n_threads = previous


@contextmanager
def single_threaded_blas():
    """One BLAS thread for a kernel called outside :func:`limit_threads`
    (inside it, BLAS is on one thread already and this costs nothing)."""
    if hasattr(_LOCAL, "n_threads"):
        yield
        return
    with _controller().limit(limits=1, user_api="blas"):
        yield


# Below this many multiply-adds per block, waking a thread costs more than it
# saves (measured on 2 cores: 1600-step batches of 32 LSTM units ran slower on two).
MIN_WORK_PER_BLOCK = 8_000_000


def kernel_threads(work=None):
    """The number of parallel blocks the innermost :func:`limit_threads` allows.

    Parameters
    ----------
    work : int, default=None
        Multiply-adds of the kernel call, if known: no more blocks than
        give each ``MIN_WORK_PER_BLOCK``.
    """
    n_threads = getattr(_LOCAL, "n_threads", 1)
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
    global _EXECUTOR
    if len(calls) == 1:
        calls[0]()
        return
    with _EXECUTOR_LOCK:
        if _EXECUTOR is None:
            _EXECUTOR = ThreadPoolExecutor(max_workers=os.cpu_count() or 1,
                                           thread_name_prefix="skrnn-kernel")
    futures = [_EXECUTOR.submit(call) for call in calls[1:]]
    try:
        calls[0]()
    finally:
        for future in futures:
            future.result()
