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

    BLAS may use that many threads for the large products, and the kernels
    split their batches into that many parallel blocks (see
    :func:`kernel_threads`).
    """
    n_threads = effective_n_jobs(n_jobs)
    previous = kernel_threads()
    _LOCAL.n_threads = n_threads
    try:
        with _controller().limit(limits=n_threads, user_api="blas"):
            yield
    finally:
        _LOCAL.n_threads = previous


@contextmanager
def single_threaded_blas():
    """One BLAS thread: a kernel's per-step products are too small to gain
    from more, and its own parallel blocks must not oversubscribe the cores.

    Free when the enclosing :func:`limit_threads` already allows one thread
    (the default), so the kernels can call it once per batch.
    """
    if kernel_threads() == 1:
        yield
        return
    with _controller().limit(limits=1, user_api="blas"):
        yield


def kernel_threads():
    """The number of parallel blocks the innermost :func:`limit_threads` allows."""
    return getattr(_LOCAL, "n_threads", 1)


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
