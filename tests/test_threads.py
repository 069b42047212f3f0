"""The kernels' thread pool: used when asked, idle otherwise, and safe across fork."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import multiprocessing
import sys
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_info, threadpool_limits

import skrnn.lstm._network
from skrnn import LSTMRegressor
from skrnn.utils._threads import kernel_threads, limit_threads, run_in_parallel


def _data():
    rng = np.random.RandomState(0)
    return (rng.uniform(-1, 1, (64, 50, 4)).astype(np.float32),
            rng.uniform(-1, 1, (64, 50)).astype(np.float32))


def _fitted(n_jobs):
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return LSTMRegressor(n_hidden=64, max_iter=1, random_state=0, n_jobs=n_jobs).fit(X, y)


def test_blocks_run_in_parallel_only_when_asked_and_worth_it(monkeypatch):
    calls = []
    monkeypatch.setattr(skrnn.lstm._network, "run_in_parallel",
                        lambda jobs: calls.append(len(jobs)) or run_in_parallel(jobs))
    X, _ = _data()
    model = _fitted(n_jobs=2)
    calls.clear()
    model.predict(X)
    assert max(calls) == 2
    calls.clear()
    model.set_params(n_jobs=None).predict(X)
    assert max(calls) == 1
    calls.clear()
    model.set_params(n_jobs=2).predict(X[:1, :3])  # too little work to split
    assert max(calls) == 1


def _predict_in_child(model, X, queue):
    queue.put(model.predict(X))


@pytest.mark.skipif(sys.platform == "win32", reason="no fork on Windows")
def test_a_forked_child_gets_a_working_pool():
    """The parent's pool threads do not exist in a forked child; it must start its own."""
    X, _ = _data()
    model = _fitted(n_jobs=2)
    expected = model.predict(X)  # the parent's pool is running now
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_predict_in_child, args=(model, X, queue))
    child.start()
    child.join(60)
    alive = child.is_alive()
    if alive:
        child.kill()
    assert not alive, "the child hung waiting for the parent's threads"
    np.testing.assert_allclose(queue.get(timeout=5), expected, rtol=1e-6)


def test_blas_free_work_leaves_the_blas_threads_alone():
    """Prediction (no BLAS) sets the kernels' threads only; training also limits BLAS."""
    def blas_threads():
        return sorted(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas")

    with threadpool_limits(limits=2, user_api="blas"):
        outside = blas_threads()
        with limit_threads(2, parallel_kernels=True, blas_free=True):
            assert kernel_threads() == 2
            assert blas_threads() == outside
        with limit_threads(2, parallel_kernels=True):
            assert kernel_threads() == 2
            assert set(blas_threads()) == {1}
        assert blas_threads() == outside
