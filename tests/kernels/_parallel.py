"""The check both kernels' parallel blocks share."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

import skrnn.utils._threads as threads_module
from skrnn.utils._threads import limit_threads, run_in_parallel


def assert_blocks_match_one_thread(net, params, seqs, n_threads, network_module, monkeypatch):
    """Forward, gradient and prediction on ``n_threads`` blocks equal those on one.

    Sequences never interact: splitting a batch over threads changes nothing
    beyond the rounding of BLAS calls of a different size.
    """
    state0 = np.random.RandomState(1).uniform(-1, 1, (seqs.n_sequences, net.state_size))
    dO = np.random.RandomState(2).uniform(-1, 1, (seqs.n_steps, net.n_outputs))
    # even these tiny batches are split: the point is the split itself
    monkeypatch.setattr(threads_module, "MIN_WORK_PER_BLOCK", 1)
    calls = []
    monkeypatch.setattr(network_module, "run_in_parallel",
                        lambda jobs: calls.append(len(jobs)) or run_in_parallel(jobs))
    results = []
    for threads in (1, n_threads):
        grads = {name: np.empty(shape) for name, shape in net.layout()}
        with limit_threads(threads, parallel_kernels=True):
            Y, cache, state = net.forward(params, seqs, state0)
            net.gradient(params, seqs, cache, dO, grads, state0)
            Y_pred, _, state_pred = net.forward(params, seqs, state0, need_cache=False)
        results.append([Y, state, Y_pred, state_pred, *grads.values()])
    assert max(calls) > 1
    for serial, parallel in zip(*results):
        np.testing.assert_allclose(parallel, serial, rtol=1e-12, atol=1e-14)
