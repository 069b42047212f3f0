"""
=====================================================
An echo state network fitted from dask arrays (NARMA)
=====================================================

NARMA10 is the classic test of a reservoir's memory and nonlinearity: the
target at step t depends on the last ten inputs and targets through a
nonlinear recurrence. Here the series is held as a dask array, in blocks,
as data larger than one machine's memory would be, and an echo state
network is fitted from it two ways:

- :func:`skrnn.dask.fit_distributed` runs the reservoir over each block on
  the worker that holds it (the state handed on from block to block, since
  the blocks are consecutive stretches of one series), reduces each block to
  the readout's sums, and solves the readout once;
- ``dask_ml.wrappers.Incremental`` streams the blocks, one after another,
  through ``partial_fit``.

Both give the model a local ``fit`` on the whole series would. Without a
``dask.distributed`` client, dask runs the blocks on local threads; with one
(``Client(LocalCluster())`` or a real cluster), on its workers.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# The series, in blocks
# ---------------------
import dask.array as da
import matplotlib.pyplot as plt
import numpy as np
from dask_ml.wrappers import Incremental

from skrnn import EchoStateRegressor
from skrnn.dask import fit_distributed
from skrnn.datasets import make_narma

X, y = make_narma(24_000, random_state=0)
X_train, y_train, X_test, y_test = X[:20_000], y[:20_000], X[20_000:], y[20_000:]
Xd = da.from_array(X_train, chunks=(5_000, 1))       # four blocks of 5,000 steps
yd = da.from_array(y_train, chunks=5_000)
print(Xd)


def make_model():
    return EchoStateRegressor(200, spectral_radius=0.95, input_scaling=0.1,
                              bias_scaling=0.1, connectivity=0.1, alpha=1e-6,
                              random_state=0)


# %%
# Three fits of one model
# -----------------------
# ``shuffle_blocks=False``: the blocks are consecutive pieces of one series,
# and the reservoir's state must run through them in order.
local = make_model().fit(X_train, y_train)
distributed = fit_distributed(make_model(), Xd, yd)
streamed = Incremental(make_model(), shuffle_blocks=False).fit(Xd, yd).estimator_

predictions = {name: model.predict(X_test) for name, model in
               [("local fit", local), ("fit_distributed", distributed),
                ("Incremental", streamed)]}
for name, pred in predictions.items():
    nmse = np.mean((pred - y_test) ** 2) / np.var(y_test)
    gap = np.max(np.abs(pred - predictions["local fit"]))
    print(f"{name:>16}: held-out NMSE {nmse:.3f}, largest difference from the local "
          f"fit {gap:.1e}")

# %%
# The three are the same model: bit for bit here, where the blocks of one
# series are summed in order on every path (see :ref:`readout`). A
# normalised error near 0.1 is the usual result for NARMA10 with a
# reservoir of this size. The held-out steps:
fig, ax = plt.subplots(figsize=(9, 3))
steps = np.arange(200)
ax.plot(steps, y_test[:200], color="black", lw=2, label="NARMA10 target")
ax.plot(steps, predictions["fit_distributed"][:200], color="tab:orange",
        label="fit_distributed")
ax.set_xlabel("held-out step")
ax.legend()
fig.tight_layout()
plt.show()
