"""The layers of an RNN-ELM: sources, autoencoder stacks, and their training from sums.

A network has ``S`` sources (groups of input columns), ``T`` independent
autoencoder stacks per source, each a chain of ``L`` autoencoder layers, and
optionally a random layer over the joined outputs of every stack:

- Classifier-1 and -2 of Gelenbe and Yin: one source, one stack;
- Classifier-3: several sources, one stack each;
- Classifier-4: several sources, several stacks each;
- Classifier-5: Classifier-4 without the random layer.

Each autoencoder layer is solved from the sums of its own least-squares
problem (Gram matrices), which accumulate over any chunking of the rows
exactly as the readout's do; the layers at depth ``k`` are trained from one
pass over the rows, through the layers already fixed above them.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from collections.abc import Mapping, Set
from numbers import Integral

import numpy as np

from .._readout import ReadoutSums, leaf_size_for
from ._cluster import cluster_layer, random_input_weights, split_signs
from ._solvers import fista_nonnegative_gram, fista_signed_gram, ridge_decoder_gram


def parse_sources(sources, n_features, feature_names=None):
    """The column indices of each source, checked to partition ``range(n_features)``.

    Parameters
    ----------
    sources : None, int or sequence of (sequence of int or str, str, or slice)
        None: one source of every column. An int k: k sources of equal,
        consecutive column blocks. A sequence: the columns of each source
        (names when X had string column names; a single name is a source of
        one column). A mapping or a set is rejected.
    n_features : int
    feature_names : ndarray of str, default=None
        The column names seen in fit, if any.

    Returns
    -------
    columns : list of ndarray of intp

    Raises
    ------
    ValueError
        When a source is empty, names a column that does not exist, when
        sources overlap (naming the columns in more than one) or leave
        columns out (naming them).
    """
    if sources is None:
        return [np.arange(n_features)]
    if isinstance(sources, Integral) and not isinstance(sources, bool):
        k = int(sources)
        if k < 1 or n_features % k:
            raise ValueError(f"sources={k} splits the {n_features} columns into {k} equal "
                             f"blocks, but {n_features} is not a multiple of {k}; pass the "
                             "columns of each source as a list instead.")
        return list(np.arange(n_features).reshape(k, -1))
    if (isinstance(sources, (str, bytes, Mapping, Set)) or not hasattr(sources, "__len__")
            or not len(sources)):
        raise ValueError("sources must be None, a positive int, or a non-empty list of the "
                         f"columns of each source; got {sources!r}.")
    columns = []
    for i, cols in enumerate(sources):
        if isinstance(cols, str):
            cols = [cols]           # one column by name (not its characters)
        if isinstance(cols, slice):
            cols = np.arange(n_features)[cols]
        cols = np.asarray(cols)
        if cols.dtype.kind in "UO" and cols.size:
            cols = _column_positions(cols, feature_names, i)
        if cols.ndim != 1 or cols.size == 0 or not np.issubdtype(cols.dtype, np.integer):
            raise ValueError(f"source {i} must be a non-empty list of integer column indices "
                             f"or a slice; got {sources[i]!r}.")
        if cols.min() < -n_features or cols.max() >= n_features:
            raise ValueError(f"source {i} names columns {cols.tolist()}, but X has only "
                             f"{n_features} columns.")
        columns.append(np.asarray(cols % n_features, dtype=np.intp))
    counts = np.bincount(np.concatenate(columns), minlength=n_features)
    if np.any(counts > 1):
        raise ValueError(f"sources overlap: columns {np.flatnonzero(counts > 1).tolist()} are "
                         "in more than one source; each column must be in exactly one.")
    if np.any(counts == 0):
        raise ValueError(f"sources leave columns {np.flatnonzero(counts == 0).tolist()} out; "
                         "each column must be in exactly one source (drop unwanted columns "
                         "before the model, e.g. with a ColumnTransformer).")
    return columns


def _column_positions(names, feature_names, i):
    if feature_names is None:
        raise ValueError(f"source {i} names columns {names.tolist()}, but X has no column "
                         "names (pass a DataFrame, or column indices).")
    where = {name: k for k, name in enumerate(feature_names)}
    missing = [name for name in names.tolist() if name not in where]
    if missing:
        raise ValueError(f"source {i} names columns {missing} that X does not have.")
    return np.array([where[name] for name in names.tolist()], dtype=np.intp)


def input_cells(X, mode):
    """The non-negative input cells of X under ``negative_inputs`` (``mode``).

    'split' gives [max(X, 0), -min(X, 0)] (twice the columns); 'clip' gives
    max(X, 0); 'raise' rejects negative values.
    """
    if mode == "split":
        return split_signs(X)
    if mode == "clip":
        return np.ascontiguousarray(np.maximum(X, 0))
    if np.any(X < 0):
        raise ValueError(
            "X has negative values, but the input cells of a random neural network "
            "take non-negative rates: scale X to [0, 1] (MinMaxScaler), or set "
            "negative_inputs='split' (both signs) or 'clip' (drop the negative part).")
    return np.ascontiguousarray(X)


def encoder_width(size, autoencoder):
    """Clusters of an autoencoder layer of ``size``: a signed decoder keeps both signs."""
    return 2 * size if autoencoder in ("ridge", "fista_signed") else size


class Network:
    """The fixed layers of an RNN-ELM (everything but the readout).

    Parameters
    ----------
    columns : list of ndarray
        Columns of each source (:func:`parse_sources`).
    cells_per_column : int
        Input cells per column (2 for ``negative_inputs='split'``).
    encoder_sizes : list of int
        Sizes of the autoencoder layers of every stack.
    n_stacks : int
        Stacks per source.
    random_size : int or None
        Clusters of the random layer; None for no random layer.
    autoencoder : str
    negative_inputs : str
    dtype : dtype
    """

    def __init__(self, columns, cells_per_column, encoder_sizes, n_stacks, random_size,
                 autoencoder, negative_inputs, dtype):
        self.columns = columns
        self.cells_per_column = cells_per_column
        self.encoder_sizes = list(encoder_sizes)
        self.n_stacks = n_stacks
        self.random_size = random_size
        self.autoencoder = autoencoder
        self.negative_inputs = negative_inputs
        self.dtype = np.dtype(dtype)
        #: trained autoencoder weights of each stack (source-major), depth by depth
        self.stacks = [[] for _ in range(len(columns) * n_stacks)]
        self.random_weights = None
        #: random weights of the autoencoder layers not trained yet, by depth then stack
        self.pending = []
        #: encoder_alpha, encoder_l1, encoder_max_iter and input_scaling as drawn: what
        #: every depth is solved with (set by the estimator)
        self.encoder_settings = {}

    # -- shapes and random draws ----------------------------------------
    @property
    def n_blocks(self):
        return len(self.stacks)

    @property
    def depth(self):
        """Autoencoder layers trained so far (the same in every stack)."""
        return len(self.stacks[0])

    @property
    def trained(self):
        return self.depth == len(self.encoder_sizes)

    def source_of(self, block):
        return block // self.n_stacks

    def block_width(self, block, depth):
        """Width of a stack's output after ``depth`` autoencoder layers."""
        if depth == 0:
            return self.cells_per_column * len(self.columns[self.source_of(block)])
        return encoder_width(self.encoder_sizes[depth - 1], self.autoencoder)

    @property
    def n_joined(self):
        """Width of the stacks' outputs side by side (the random layer's input)."""
        if self.encoder_sizes:
            return self.n_blocks * encoder_width(self.encoder_sizes[-1], self.autoencoder)
        return sum(self.block_width(b, 0) for b in range(self.n_blocks))

    @property
    def n_features_out(self):
        return self.random_size if self.random_size is not None else self.n_joined

    def draw(self, rng, input_scaling):
        """Every random weight, in a fixed order: depth by depth, stack by stack, then the
        random layer (so one stack, one source draws as the plain stacked network did)."""
        self.pending = [
            [random_input_weights(rng, self.block_width(b, k), size, input_scaling, self.dtype)
             for b in range(self.n_blocks)]
            for k, size in enumerate(self.encoder_sizes)]
        if self.random_size is not None:
            self.random_weights = random_input_weights(rng, self.n_joined, self.random_size,
                                                       input_scaling, self.dtype)

    # -- forward ----------------------------------------------------------
    def cells(self, X):
        """The input cells of each source (a list, one per source)."""
        X = np.asarray(X)
        if len(self.columns) == 1 and self.columns[0].size == X.shape[1] and np.array_equal(
                self.columns[0], np.arange(X.shape[1])):
            return [input_cells(X, self.negative_inputs)]
        return [input_cells(X[:, cols], self.negative_inputs) for cols in self.columns]

    def stack_outputs(self, cells, args, depth=None, stacks=None):
        """Each stack's output after ``depth`` trained layers (default: all trained)."""
        stacks = self.stacks if stacks is None else stacks
        out = []
        for b, layers in enumerate(stacks):
            Z = cells[self.source_of(b)]
            for E in layers[:depth]:
                Z = cluster_layer(Z, E.astype(Z.dtype, copy=False), args)
            out.append(Z)
        return out

    def features(self, X, args):
        """The readout's features for rows X, as a list of column blocks."""
        blocks = self.stack_outputs(self.cells(X), args)
        if self.random_weights is None:
            return blocks
        joined = blocks[0] if len(blocks) == 1 else np.hstack(blocks)
        return [cluster_layer(joined, self.random_weights.astype(joined.dtype, copy=False),
                              args)]

    # -- training the next depth from sums ------------------------------
    def new_depth_sums(self):
        """Empty sums of the next depth's least-squares problems, one per stack."""
        k = self.depth
        # a leaf's pending rows hold H *and* the layer's input Z, which may be far wider
        # (thousands of input cells): size the leaf from both, so that each stack waits
        # on at most LEAF_ELEMENTS values (2 MB) whatever the input width
        return {"sums": [ReadoutSums(self.encoder_sizes[k], self.block_width(b, k),
                                     leaf_size=leaf_size_for(self.encoder_sizes[k]
                                                             + self.block_width(b, k)))
                         for b in range(self.n_blocks)],
                "maxima": [np.zeros(self.block_width(b, k)) for b in range(self.n_blocks)],
                "position": 0}

    def add_rows(self, X, state, args, weights=None):
        """Add rows X to the sums of the next depth's problems: for each stack, the
        random layer's clusters H = zeta(Z W) against the layer's input Z.

        Row weights (``weights``, or None) weigh the least-squares problems as
        they weigh the readout's: a row of weight 2 counts as the row twice,
        one of weight 0 as no row (it sets no input maximum either)."""
        k = self.depth
        first = state["position"]
        positions = first + np.arange(X.shape[0])
        for b, Z in enumerate(self.stack_outputs(self.cells(X), args)):
            W = self.pending[k][b].astype(Z.dtype, copy=False)
            H = cluster_layer(Z, W, args)
            sums = state["sums"][b]
            sums.reserve(first + X.shape[0])
            sums.add([H], Z, positions, weights=weights)
            seen = Z if weights is None else Z[weights > 0]
            if seen.shape[0]:
                np.maximum(state["maxima"][b], seen.max(axis=0), out=state["maxima"][b])
        state["position"] = first + X.shape[0]

    def solve_depth(self, state, params, input_scaling):
        """Fix the next depth's layers from their sums (see :func:`encoder_from_sums`)."""
        k = self.depth
        # every stack's layer first, then all at once: a failure changes nothing
        layers = [np.ascontiguousarray(
            encoder_from_sums(state["sums"][b], state["maxima"][b], params, input_scaling),
            dtype=self.dtype) for b in range(self.n_blocks)]
        for stack, E in zip(self.stacks, layers):
            stack.append(E)
        self.pending[k] = None


def gram_from_sums(sums):
    """The raw H^T H and H^T Z of the least-squares problem, from centred sums."""
    total = sums.total
    G = total.gram() + total.n * np.outer(total.mean_h, total.mean_h)
    B = total.s_hy + total.n * np.outer(total.mean_h, total.mean_y)
    return G, B


def encoder_from_sums(sums, maxima, params, input_scaling):
    """An autoencoder layer's weights from the sums of its rows.

    The decoder D (``H D ~ Z``, H the random layer's clusters) solves the
    layer's problem: eq. 23's ridge solution ('ridge'), eq. 22 by FISTA
    ('fista_signed'), or eq. 21, non-negative by FISTA ('fista'). Its
    transpose becomes the encoder; a signed decoder is split into
    ``[max(D, 0)^T, -min(D, 0)^T]``. The weights are then rescaled so that
    the largest total input a row could receive, its inputs at most their
    maxima over the rows seen, is ``input_scaling``.
    """
    G, B = gram_from_sums(sums)
    method = params["autoencoder"]
    if method == "fista":
        E = fista_nonnegative_gram(G, B, params["encoder_l1"], params["encoder_max_iter"]).T
    else:
        if method == "ridge":
            D = ridge_decoder_gram(G, B, params["encoder_alpha"])
        else:
            D = fista_signed_gram(G, B, params["encoder_l1"], params["encoder_max_iter"])
        E = np.hstack([np.maximum(D, 0).T, np.maximum(-D, 0).T])
    largest = float(np.max(maxima @ E)) if E.size else 0.0
    if largest > 0:
        E = E * (input_scaling / largest)
    return E
