"""Transformed sequences given back in the layout, and container, they came in."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..utils._compat import ADAPTERS_MANAGER, _get_output_config


def returns_list(X, seqs):
    """Whether ``X`` was a list of sequences, so that a list goes back.

    Ragged input always is; an equal-length list or tuple is when its items
    are arrays (or DataFrames). A nested list of numbers is an array-like
    spelled in Python, and comes back as an ndarray, as in scikit-learn.
    """
    if seqs.layout == "list":
        return True
    return isinstance(X, (list, tuple)) and len(X) > 0 and all(hasattr(x, "shape") for x in X)


def in_input_layout(X, seqs, Xt):
    """The stacked time steps ``Xt`` (n_steps, n_features) shaped as ``X`` was.

    2D stays 2D, 3D stays 3D, and a list of sequences becomes a list of
    arrays of the same shapes as its items (a 1D item gives a 1D array).
    """
    if seqs.layout == "series":
        out = Xt
    elif seqs.layout == "rows":
        out = Xt.reshape(seqs.n_sequences, -1)
    elif seqs.layout == "batch":
        out = Xt.reshape(seqs.n_sequences, -1, Xt.shape[1])
    else:
        out = np.split(Xt, seqs.offsets[1:-1])
    if not returns_list(X, seqs):
        return out
    return [piece.reshape(np.shape(x)) for piece, x in zip(out, X)]


def wrap_output(estimator, X, out):
    """Apply the ``set_output`` container (pandas, polars) to a transform's output.

    A 2D output becomes one DataFrame, a list a list of DataFrames (one per
    sequence, keeping each input frame's index); columns are
    ``get_feature_names_out()``. A 3D array stays an ndarray: neither pandas
    nor polars has a 3D frame, and refusing it would stop a pipeline under
    ``set_config(transform_output="pandas")`` from taking 3D batches at all.
    """
    config = _get_output_config("transform", estimator)["dense"]
    if config == "default" or (isinstance(out, np.ndarray) and out.ndim == 3):
        return out
    adapter = ADAPTERS_MANAGER.adapters[config]
    columns = estimator.get_feature_names_out
    if isinstance(out, list):
        return [adapter.create_container(piece.reshape(piece.shape[0], -1), x, columns=columns)
                for piece, x in zip(out, X)]
    return adapter.create_container(out, X, columns=columns)
