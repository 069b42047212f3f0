"""Thread limits for the BLAS libraries the kernels and NumPy call."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from contextlib import contextmanager

from joblib import effective_n_jobs
from threadpoolctl import ThreadpoolController

_CONTROLLER = None


@contextmanager
def limit_threads(n_jobs):
    """Let BLAS use ``n_jobs`` threads (None means one: the machines are shared)."""
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    with _CONTROLLER.limit(limits=effective_n_jobs(n_jobs), user_api="blas"):
        yield
