"""Echo state networks: a fixed random reservoir and a ridge readout, as estimators."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from functools import partial
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import scipy.sparse as sp
from joblib import effective_n_jobs
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import r2_score
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._architecture import architecture, check_architecture, record_architecture
from .._readout import WEIGHTS_NOTES, ReadoutMixin
from .._readout._posterior import predictive_std
from .._sequences import SEQUENCE_LAYOUTS_DOC, check_sequences
from .._tasks import (
    SequenceClassifierMixin,
    SequenceRegressorMixin,
    check_classes_on_first_call,
)
from .._weights import CLASS_WEIGHT_DOC, check_partial_fit_class_weight, target_weights
from ..forecasting._closed_loop import (
    check_n_steps,
    check_strategy,
    forecast_from,
    squeeze_forecast,
)
from ..utils._compat import Interval, StrOptions, _fit_context
from ..utils._progress import Progress
from ..utils._threads import limit_threads, run_in_parallel
from ._reservoir import (
    Reservoir,
    float32_exact,
    sparse_recurrent_matrix,
    spectral_radius,
)
from ._sweep import (
    PIPELINE_BUFFERS,
    Pooling,
    SumsPipeline,
    selection,
    state_buffer,
    sums_window,
    sweep,
)


class _BaseEchoState(ReadoutMixin, BaseEstimator):
    """What the echo state regressor and classifier share: the reservoir and the readout hook."""

    _parameter_constraints: ClassVar[dict] = {
        "n_reservoir": [Interval(Integral, 1, None, closed="left")],
        "spectral_radius": [Interval(Real, 0, None, closed="left")],
        "connectivity": [Interval(Real, 0, 1, closed="right")],
        "input_scaling": [Interval(Real, 0, None, closed="left")],
        "bias_scaling": [Interval(Real, 0, None, closed="left")],
        "leaking_rate": [Interval(Real, 0, 1, closed="right")],
        "n_washout": [Interval(Integral, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="neither"), StrOptions({"gcv", "cv"})],
        "alphas": [None, "array-like"],
        "include_inputs": ["boolean"],
        "fit_intercept": ["boolean"],
        "state_noise": [Interval(Real, 0, None, closed="left")],
        "pooling": [StrOptions({"last", "mean", "both"})],
        "random_state": ["random_state"],
        "n_jobs": [None, Integral],
        "verbose": ["verbose"],
    }

    _feedback = False  # output feedback: the regressor's option
    # what draws the reservoir and defines the readout's features: partial_fit
    # refuses a change of these (the penalty, the washout and the state noise
    # stay free: the readout is solved from sums)
    _architecture_params = ("n_reservoir", "spectral_radius", "connectivity", "input_scaling",
                            "bias_scaling", "leaking_rate", "include_inputs", "pooling")
    _architecture = architecture

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.two_d_array = True
        tags.non_deterministic = False
        return tags

    # -- the reservoir -------------------------------------------------------
    def _build_reservoir(self, dtype, n_outputs):
        """Draw every fixed weight from ``random_state``, in a fixed order."""
        rng = check_random_state(self.random_state)
        n = self.n_reservoir
        W = sparse_recurrent_matrix(n, self.connectivity, rng)
        rho = spectral_radius(W, rng)
        if rho > 0:  # rescale to the requested radius (computed, not assumed)
            W = W * (self.spectral_radius / rho)
        # exactly representable in float32, the kernel's storage (a relative
        # change of the radius below 1e-7)
        W = float32_exact(W)
        W_in = rng.uniform(-self.input_scaling, self.input_scaling,
                           (self._n_inputs, n)).astype(dtype)
        bias = rng.uniform(-self.bias_scaling, self.bias_scaling, n).astype(dtype)
        W_fb = None
        if self._feedback:
            W_fb = rng.uniform(-self.feedback_scaling, self.feedback_scaling,
                               (n_outputs, n)).astype(dtype)
        self._noise_seed = int(rng.randint(1, np.iinfo(np.int32).max))
        self.input_weights_ = W_in
        self.hidden_bias_ = bias
        self.recurrent_weights_ = sp.csr_array(W, dtype=dtype)
        self.feedback_weights_ = W_fb
        self.reservoir_spectral_radius_ = float(rho)
        self._reservoir = Reservoir(W_in, bias, self.recurrent_weights_, W_fb,
                                    float(self.leaking_rate))

    def __getstate__(self):
        # a copy: object.__getstate__ may hand back the live __dict__
        state = dict(super().__getstate__())
        state.pop("_reservoir", None)  # rebuilt from the fitted weights
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "input_weights_" in self.__dict__:
            self._reservoir = Reservoir(self.input_weights_, self.hidden_bias_,
                                        self.recurrent_weights_, self.feedback_weights_,
                                        float(self.leaking_rate))

    @property
    def _dtype(self):
        return self.input_weights_.dtype

    # -- readout features ------------------------------------------------------
    def _step_features(self, X, states):
        """Readout features of every step: [u_t, x_t] or x_t."""
        return np.hstack([X, states]) if self.include_inputs else states

    def _step_blocks(self, X, states):
        """The same features as column blocks, for sums that need no copy."""
        return [X, states] if self.include_inputs else [states]

    def _readout_steps(self, X, states):
        """Per-step outputs [u_t, x_t] @ W_out + b, without concatenating."""
        W_u, W_x = self._coef_parts()
        Y = states @ W_x
        if W_u is not None:
            Y += X @ W_u
        Y += self.output_bias_
        return Y

    def _n_readout_features(self, per_step):
        p = self.n_reservoir + (self._n_inputs if self.include_inputs else 0)
        return 2 * p if (not per_step and self.pooling == "both") else p

    def _washout_mask(self, offsets):
        """Rows after the washout: step index within the sequence >= n_washout."""
        lengths = np.diff(offsets)
        t_in = np.arange(offsets[-1]) - np.repeat(offsets[:-1], lengths)
        return t_in >= self.n_washout

    # -- the readout hook (see skrnn._readout.ReadoutMixin) ----------------------
    def _readout_prepare(self, X, y, *, reset, classes=None, sample_weight=None, chunk=False):
        if not reset:
            check_architecture(self, "partial_fit", refit="fit")
        seqs = check_sequences(self, X, reset=reset, univariate_rows=self._univariate_rows,
                               dtype=None if reset else self._dtype)
        self._encode_targets(seqs, y, reset=reset, classes=classes)
        if chunk and seqs.layout == "series" and sample_weight is not None:
            # a stretch of the stream that teaches nothing: the state still runs
            # through it, so that the next chunk starts where the series is
            seqs.W = target_weights(seqs, sample_weight, allow_all_zero=True)
        else:
            seqs.W = self._target_weights(seqs, sample_weight)
        if self._feedback and np.isnan(seqs.Y).any():
            raise ValueError("y has NaN targets, but output_feedback=True feeds each target "
                             "back into the reservoir (teacher forcing); fill them in, or set "
                             "output_feedback=False.")
        if reset:
            if self._feedback and not seqs.per_step:
                raise ValueError("output_feedback needs a target per time step; y has one "
                                 "value per sequence.")
            self._build_reservoir(seqs.X.dtype, self.n_outputs_)
            record_architecture(self)
        return seqs

    def _readout_shape(self, seqs):
        return self._n_readout_features(seqs.per_step), self.n_outputs_

    def _readout_new_stream(self, position=0):
        dtype = self._dtype
        return {"x": np.zeros((1, self.n_reservoir), dtype=dtype),
                "y": np.zeros((1, self.n_outputs_), dtype=dtype),
                "u": None, "t": 0, "seed": self._noise_seed, "position": position,
                "n_seen": 0}

    def _readout_chained(self, X):
        return X.ndim == 2 and not self._univariate_rows

    def _check_distributed(self, X):
        if not self._readout_chained(X) and self.state_noise > 0:
            raise ValueError(
                "fit_distributed cannot reproduce fit's state noise on a batch of sequences: "
                "fit draws it from one generator across the whole batch, step by step. Use "
                "state_noise=0 (noise is for closed-loop generation, which a batch model does "
                "not run), or fit one series.")

    def _readout_rows(self, seqs, sums, stream):
        """Run the reservoir over ``seqs`` and add its readout rows to ``sums``.

        A single series (2D X) continues the stream of the previous
        ``partial_fit`` calls: its state, teacher-forced feedback, washout
        count and noise generator are in ``stream`` and carry on; its rows
        are positioned by time step. 3D and list input are independent
        sequences, each from the zero state, positioned by sequence.

        The windows of a series tile the leaves of the sums (positions
        ``[k L, (k + 1) L)``, see :class:`skrnn._readout.ReadoutSums`), so
        that ``fit`` and ``partial_fit`` over any chunking sum the same
        leaves with the same operations: bit-identical sums.

        With ``n_jobs`` of 2 or more and per-step targets, the sums of each
        window of steps are added on a second thread while the reservoir
        runs over the next ones (see :class:`SumsPipeline`).
        """
        progress = getattr(self, "_progress", None)
        res, n = self._reservoir, self.n_reservoir
        noise = float(self.state_noise)
        series = seqs.layout == "series"
        seed = stream["seed"] if series else self._noise_seed
        t_start = stream["t"] if series else 0
        first = stream["position"]
        per_step = seqs.per_step
        sums.reserve(first + (seqs.n_steps if series else seqs.n_sequences))
        window = sums_window(seqs.n_steps, n) if per_step else None
        beside = window is not None and effective_n_jobs(self.n_jobs) >= 2
        align = (sums.leaf_size, first) if series else None
        buffers = [state_buffer(seqs, n, window, align)
                   for _ in range(PIPELINE_BUFFERS if beside else 1)]
        steps_done = 0

        # per-step rows: BLAS on one thread whether or not the sums run beside the
        # reservoir, so that a leaf's sums are the same operations in every call
        with (limit_threads(1 if per_step else self.n_jobs),
              SumsPipeline(sums, buffers, beside) as pipeline):
            for ids, pieces in sweep(seqs, n, window, align):
                x = stream["x"].copy() if series else np.zeros((ids.size, n), dtype=seqs.X.dtype)
                y_prev = (stream["y"].copy() if series
                          else np.zeros((ids.size, seqs.Y.shape[1]), dtype=seqs.X.dtype))
                if not per_step:
                    pooled = Pooling(self.pooling, self.n_washout, seqs.lengths[ids])
                for act, sub_offsets, rows, t_in in pieces:
                    Xc = seqs.X[rows]
                    U = res.project(Xc, out=pipeline.buffer()[:rows.size])
                    feedback = None
                    if self._feedback:  # teacher forcing: y_{t-1} of the same sequence
                        feedback = seqs.Y[rows - 1]
                        begins = t_in[sub_offsets[:-1]] == 0
                        feedback[sub_offsets[:-1][begins]] = y_prev[act[begins]]
                    x_act = np.ascontiguousarray(x[act])
                    seed = res.run(U, sub_offsets, np.arange(act.size, dtype=np.intp), x_act,
                                   feedback=feedback, noise=noise, seed=seed)
                    x[act] = x_act
                    if per_step:
                        keep = selection(t_in + t_start >= self.n_washout)
                        if series:
                            positions = first + t_in[keep]
                        elif sums.folds:  # each row at its sequence's position
                            seq = np.repeat(np.arange(act.size), np.diff(sub_offsets))
                            positions = first + ids[act[seq[keep]]]
                        else:
                            positions = None
                        # washed-out steps are dropped here, whatever their weight
                        pipeline.add([B[keep] for B in self._step_blocks(Xc, U)],
                                     seqs.Y[rows[keep]], positions, series,
                                     None if seqs.W is None else seqs.W[rows[keep]])
                    else:
                        pooled.add(self._step_features(Xc, U), act, sub_offsets, t_in)
                    if progress is not None:  # a long run is never silent
                        steps_done += rows.size
                        progress.tick("Steps", steps_done, seqs.n_steps, context="reservoir: ")
                if not per_step:
                    pipeline.add([pooled.features()], seqs.Y[ids], first + ids,
                                 weights=None if seqs.W is None else seqs.W[ids])
                if progress is not None and progress.detailed:
                    progress.step("Sequences", int(ids[-1]) + 1, seqs.n_sequences,
                                  readout_rows=pipeline.n_rows)
        if series:
            stream.update(x=x, y=seqs.Y[-1:].copy(), u=seqs.X[-1:].copy(),
                          t=t_start + seqs.n_steps, seed=seed)
        stream["position"] = first + (seqs.n_steps if series else seqs.n_sequences)
        stream["n_seen"] += seqs.n_steps

    @property
    def _readout_dtype(self):
        return self._dtype

    @property
    def n_steps_seen_(self):
        check_is_fitted(self, "_readout_stream")
        return self._readout_stream["n_seen"]

    @property
    def n_readout_rows_(self):
        check_is_fitted(self, "_readout_sums")
        return self._readout_sums.n_rows

    @property
    def _stream(self):
        return self._readout_stream

    def _fit(self, X, y, incremental=False, classes=None, sample_weight=None):
        """fit (reset) or partial_fit, through the readout engine; prints what it did."""
        # partial_fit's lines count the time of the whole stream, not of this call
        offset, last_line = (getattr(self, "_stream_clock", (0.0, None)) if incremental
                             else (0.0, None))
        self._progress = progress = Progress(self.verbose, offset=offset, last_line=last_line)
        before = getattr(self, "_readout_stream", {"n_seen": 0})["n_seen"] if incremental else 0
        try:
            self._readout_fit(X, y, incremental=incremental, classes=classes,
                              sample_weight=sample_weight)
        finally:
            del self._progress
        if incremental:
            # partial_fit calls, for the verbose lines (a fit before them is the first)
            steps = self.n_steps_seen_ - before
            first = before == 0 and "_chunks_seen" not in self.__dict__
            self._chunks_seen = 1 if first else getattr(self, "_chunks_seen", 1) + 1
            progress.step("Chunk", self._chunks_seen, summary=True, steps=steps,
                          steps_seen=self.n_steps_seen_, readout_rows=self.n_readout_rows_)
        else:
            self.__dict__.pop("_chunks_seen", None)
            progress.note(f"Reservoir of {self.n_reservoir} units run over "
                          f"{self.n_steps_seen_} steps ({self.n_readout_rows_} readout rows)")
            progress.note(f"Readout solved, alpha={self.alpha_:.3g}"
                          + (f" chosen by {self.alpha.upper()} from {len(self.alphas_)} values"
                             if isinstance(self.alpha, str) else ""))
        # a partial_fit stream's seconds so far, and when its last line was printed
        # (fit starts no stream: it leaves only what fit_distributed's model has)
        if incremental:
            self._stream_clock = (progress.elapsed, progress.last_line)
        else:
            self.__dict__.pop("_stream_clock", None)
        return self

    # -- prediction ------------------------------------------------------------
    def _coef_parts(self):
        """Readout weights split into the input part (or None) and the state part."""
        W = self.output_weights_
        n_in = self._n_inputs if self.include_inputs else 0
        return (W[:n_in] if n_in else None), W[n_in:]

    def _check_state(self, state, seqs):
        n = self.n_reservoir + (self.n_outputs_ if self._feedback else 0)
        expected = (seqs.n_sequences, n)
        if state is None:
            return np.zeros(expected, dtype=self._dtype)
        state = np.asarray(state, dtype=self._dtype)
        if state.ndim == 1 and state.shape[0] == n:
            state = np.broadcast_to(state, expected)
        if state.shape != expected:
            raise ValueError(f"initial_state must have shape {expected} (or ({n},) for every "
                             f"sequence); got {state.shape}.")
        if not np.all(np.isfinite(state)):
            raise ValueError("initial_state must be finite.")
        return np.array(state, order="C")

    def _run(self, X, initial_state=None, features=None):
        """Outputs of every step from each sequence's initial state: (seqs, Y, final state).

        Per-sequence models write their output at each sequence's last row.
        A list ``features`` receives ``(rows, readout features of those rows)``
        of every piece run (per-step models).
        """
        check_is_fitted(self)
        seqs = check_sequences(self, X, reset=False, univariate_rows=self._univariate_rows,
                               dtype=self._dtype)
        state = self._check_state(initial_state, seqs)
        Y = np.zeros((seqs.n_steps, self.n_outputs_), dtype=self._dtype)
        # n_jobs >= 2: blocks of sequences swept on parallel threads, each
        # with its own buffer, joined once at the end (joining at every
        # window made both wait for whichever the other jobs of a shared
        # machine had descheduled); BLAS on one thread, since a
        # multi-threaded call leaves its workers spinning on the cores
        with limit_threads(self.n_jobs, parallel_kernels=True):
            blocks = self._reservoir.blocks(seqs.offsets, seqs.order)
            run_in_parallel([partial(self._run_block, seqs, np.sort(members), state, Y,
                                     features) for members in blocks])
        return seqs, Y, state

    def _run_block(self, seqs, members, state, Y, features):
        """:meth:`_run` for the sequences ``members`` (all, or a block), on one thread.

        Blocks write disjoint rows of ``Y`` and ``state``.
        """
        # one kernel thread here; BLAS stays on the one thread _run set
        with limit_threads(1, blas_free=True):
            self._sweep_block(seqs, members, state, Y, features)

    def _sweep_block(self, seqs, members, state, Y, features):
        res, n = self._reservoir, self.n_reservoir
        W_u, W_x = self._coef_parts()
        buffer = state_buffer(seqs, n)
        for ids, pieces in sweep(seqs, n, members=members):
            x = state[ids, :n]
            y_prev = state[ids, n:]
            if not self._per_step:
                pooled = Pooling(self.pooling, self.n_washout, seqs.lengths[ids])
            for act, sub_offsets, rows, t_in in pieces:
                Xc = seqs.X[rows]
                U = res.project(Xc, out=buffer[:rows.size])
                order = np.arange(act.size, dtype=np.intp)
                x_act = np.ascontiguousarray(x[act])
                if self._feedback:  # closed loop: the model's own outputs feed back
                    y_act = np.ascontiguousarray(y_prev[act])
                    V = (Xc @ W_u if W_u is not None else np.zeros_like(Y[rows]))
                    V += self.output_bias_
                    _, Y[rows] = res.run_closed(U, V, sub_offsets, order, x_act, y_act,
                                                W_fb=self.feedback_weights_, R=W_x, G=None)
                    y_prev[act] = y_act
                    if features is not None:
                        features.append((rows, np.array(self._step_features(Xc, U))))
                else:
                    res.run(U, sub_offsets, order, x_act)
                    if self._per_step:
                        Y[rows] = self._readout_steps(Xc, U)
                        if features is not None:
                            features.append((rows, np.array(self._step_features(Xc, U))))
                    else:
                        pooled.add(self._step_features(Xc, U), act, sub_offsets, t_in)
                x[act] = x_act
            if not self._per_step:
                P = pooled.features()
                Y[seqs.last_rows[ids]] = P @ self.output_weights_ + self.output_bias_
            state[ids, :n] = x
            state[ids, n:] = y_prev


_PARAMETERS = """\
    n_reservoir : int, default=100
        Number of reservoir units N.

    spectral_radius : float, default=0.9
        Largest absolute eigenvalue of the recurrent matrix W, which is
        rescaled to it after its radius has been computed (ARPACK, or dense
        LAPACK for small reservoirs). Below 1 is the usual safe start; tune
        in about [0.1, 1.5].

    connectivity : float, default=0.1
        Fraction of the units feeding each unit: W is sparse with
        ``round(connectivity * n_reservoir)`` (at least 1) uniform [-1, 1]
        weights into every unit. From 0.3 up the state update uses a dense
        matrix product instead of the sparse one.

    input_scaling : float, default=1.0
        Input weights W_in are uniform in [-input_scaling, input_scaling].

    bias_scaling : float, default=1.0
        The reservoir bias is uniform in [-bias_scaling, bias_scaling]
        (0 for none); scaled apart from the inputs, as the guides advise.

    leaking_rate : float, default=1.0
        Leaking rate a in (0, 1] of the leaky-integrator units; 1 is the
        plain tanh reservoir, small values slow the reservoir down to match
        slow inputs.

    n_washout : int, default=0
        Initial steps of every sequence (of the stream, for a 2D series fed
        through ``partial_fit``) whose states are left out of the readout's
        training, while the reservoir forgets its initial state. A few
        hundred is typical for a long series; for per-sequence targets it
        limits the 'mean' pooling to the later steps.

    alpha : float, 'gcv' or 'cv', default=1e-6
        Ridge penalty of the readout, on standardised features (each divided
        by its standard deviation, so that one value means the same whatever
        their units; the intercept is not penalised). Must be positive: a
        tiny value such as 1e-10 is the nearest to none. 'cv' chooses it
        from ``alphas`` by blocked 5-fold cross-validation, holding out
        contiguous blocks of time steps or sequences: the choice for one
        series. 'gcv' chooses it by generalised cross-validation, cheaper
        (one eigendecomposition instead of five) and fine for independent
        sequences, but misled by the correlated steps of one series. Both
        work from the readout's sums (see Notes and :ref:`readout`).

    alphas : array-like of shape (n_alphas,), default=None
        Grid searched when ``alpha`` is 'gcv' or 'cv'. None is 61 values,
        ``np.logspace(-14, 1, 61)`` times the power of ten at or above the
        largest eigenvalue of the standardised Gram matrix.

    include_inputs : bool, default=True
        Whether the readout sees the inputs u_t besides the states x_t.

    fit_intercept : bool, default=True
        Whether the readout has an intercept (not penalised).

    state_noise : float, default=0.0
        Amplitude of uniform noise added to the states during training only
        (Jaeger's remedy for unstable closed-loop generation); 0 for none.
        The noise is a deterministic stream seeded by ``random_state`` that
        continues across ``partial_fit`` calls.
"""

_COMMON_END = """\
    random_state : int, RandomState instance or None, default=None
        Seeds every fixed weight (W, W_in, bias{fb}) and the state noise. The
        reservoir is a deterministic function of it: an int gives the same
        reservoir in every process.

    n_jobs : int, default=None
        Threads. None means 1; -1 means all cores. With 2 or more and a
        target per step, ``fit`` and ``partial_fit`` add the readout's sums
        of each window of steps on a second thread while the reservoir runs
        on over the next ones (up to two windows ahead), with BLAS on one
        thread each (the sums are the same bits whatever ``n_jobs``); the
        state update of a fit runs on one thread. The solve, and with one
        label per sequence the readout's products, use ``n_jobs`` BLAS
        threads. Prediction (and
        ``score``, and the history ``forecast`` runs through) splits a batch
        of sequences into up to ``n_jobs`` blocks run in parallel, each
        sequence's arithmetic unchanged (at least 8 sequences and about 8
        million multiply-adds per block); one series runs on one thread.

    verbose : bool or int, default=False
        ``fit`` prints the steps the reservoir ran and the readout solved
        (the alpha 'gcv' or 'cv' chose), with the time taken;
        ``partial_fit`` prints a line per chunk with the chunks and steps
        seen so far. 2 also prints a line per group of sequences run
        through the reservoir.
"""

_ATTRIBUTES = """\
    input_weights_ : ndarray of shape (n_inputs, n_reservoir)
        W_in, from the inputs of one step to the reservoir.

    hidden_bias_ : ndarray of shape (n_reservoir,)
        Reservoir bias.

    recurrent_weights_ : scipy.sparse.csr_array of shape (n_reservoir, n_reservoir)
        W, oriented so that the recurrent input is ``x_{{t-1}} @ W``.

    reservoir_spectral_radius_ : float
        Spectral radius of W as drawn, before its rescaling to
        ``spectral_radius``.

    output_weights_ : ndarray of shape (n_readout_features, n_outputs)
        Readout weights over the readout features: the inputs (if
        ``include_inputs``) then the states{pooled}.

    output_bias_ : ndarray of shape (n_outputs,)
        Readout intercept.

    alpha_ : float
        Ridge penalty: ``alpha``, or the one that 'gcv' or 'cv' chose (if the
        penalised Gram matrix is not positive definite in float64, the solve
        raises the penalty, with a ``ReadoutWarning``; ``alpha_`` keeps the
        one asked for).

    alphas_ : ndarray of shape (n_alphas,)
        The grid searched; only when ``alpha`` is 'gcv' or 'cv'.

    gcv_scores_ : ndarray of shape (n_alphas,)
        GCV score of every alpha of the grid; only with ``alpha='gcv'``.

    cv_scores_ : ndarray of shape (n_alphas,)
        Blocked cross-validation error of every alpha of the grid: the mean
        squared error per held-out readout row, summed over the outputs;
        only with ``alpha='cv'``.

    n_outputs_ : int
        Number of outputs of the readout.

    n_steps_seen_ : int
        Time steps seen by ``fit`` and later ``partial_fit`` calls.

    n_readout_rows_ : int
        Rows accumulated in the readout's sums (steps after the washout, or
        sequences; those with a NaN target or a zero weight are left out).

    n_features_in_ : int
        Features of a row of the layout seen in ``fit``: the columns of 2D
        input (time steps for a classifier's univariate rows), the last axis
        of 3D or list input.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Defined only when ``X`` has feature names that are all strings (a
        DataFrame, or a list of DataFrames with the same columns).
"""

_NOTES = """\
    The readout is ridge regression on standardised features with an
    unpenalised intercept, ``make_pipeline(StandardScaler(), Ridge(alpha))``
    on the readout rows H (the features of every step after the washout, or
    the pooled features of every sequence; with ``fit_intercept=False``,
    ``StandardScaler(with_mean=False)`` and no intercept), computed from
    their count, means and centred cross-products, kept in float64 in
    memory O(n_reservoir^2) however long the stream. They are summed in
    leaves of consecutive steps, in order, so ``fit`` on a series and
    ``partial_fit`` over any chunking of it give the same readout bit for
    bit; ``skrnn.dask.fit_distributed`` merges the sums of its blocks
    exactly (Chan, Golub and LeVeque's pairwise update), to rounding. The
    solve is a Cholesky factorisation; if the penalised, standardised Gram
    matrix is not resolved in float64 (reciprocal condition number at
    machine epsilon or below), a ``ReadoutWarning`` says that the weights
    depend on the rounding of the sums (and if it is not even positive
    definite, the penalty is raised to the least float64 resolves). Raise
    ``alpha``, or use ``alpha='cv'``.

    ``alpha='gcv'`` minimises GCV(alpha) = (RSS/n) / (1 - df/n)^2 (Golub,
    Heath and Wahba, 1979), closed forms in one eigendecomposition of the
    Gram matrix for the whole grid. It assumes exchangeable rows, as
    independent sequences are. The steps of one series are not: the
    start-up transient and correlated neighbouring steps let a tiny penalty
    fit the training rows, and on NARMA10 GCV's choice errs 10^4 to 10^5
    times more on the next steps than the best fixed alpha. skrnn then
    checks the choice on held-out contiguous blocks of the rows, and warns
    when they err more than 10 times what GCV expects.

    ``alpha='cv'`` is blocked 5-fold cross-validation: the readout rows'
    positions (time steps of a series, or sequences) are cut into at most
    10 contiguous blocks, block b in fold b % 5, and the error on each
    held-out fold is a closed form in its blocks' sums. It costs five
    eigendecompositions per solve and up to 10 per-block sums
    (10 x n_features^2 float64), which are kept only when ``alpha`` is
    'gcv' or 'cv' at the first fit. On NARMA10 its held-out error is 1.02
    to 1.26 times the best fixed alpha's (see :ref:`readout`). Prefer it on
    one series.

    :class:`EchoStateRegressor` reads NaN in ``y`` as "no target at this
    step" (or sequence): the row is left out of the readout's sums (a NaN
    in any output leaves the whole row out), while the reservoir state
    still advances.

""" + WEIGHTS_NOTES + """\
    The washout's steps are not readout rows: they carry no weight
    whatever ``sample_weight`` gives them. A per-sequence row (the
    classifier's, or a per-sequence target's) takes its sequence's weight.
"""

_REFERENCES = """\
    Jaeger, H. (2001). The "echo state" approach to analysing and training
    recurrent neural networks. GMD Report 148.

    Jaeger, H. and Haas, H. (2004). Harnessing nonlinearity: predicting
    chaotic systems and saving energy in wireless communication. Science,
    304(5667), 78-80.

    Lukoševičius, M. (2012). A practical guide to applying echo state
    networks. In Neural Networks: Tricks of the Trade, 659-686.
"""


class EchoStateRegressor(SequenceRegressorMixin, _BaseEchoState):
    __doc__ = f"""Echo state network for sequence regression and forecasting.

    A large fixed random reservoir of leaky tanh units is driven by the
    inputs; only a linear readout is trained, by ridge regression::

        x_t = (1 - a) x_{{t-1}} + a tanh(b + u_t @ W_in + x_{{t-1}} @ W [+ y_{{t-1}} @ W_fb])
        y_t = [u_t, x_t] @ output_weights_ + output_bias_

    Training needs one pass over the data and no gradient: the states are
    computed by a compiled kernel (sparse W, all sequences of a batch
    advancing together) and summed into the readout's running sums.

{SEQUENCE_LAYOUTS_DOC}

    With a 2D series or per-step targets, the output is a value at every
    step; with 3D or list ``X`` and one target per sequence, the readout
    sees each sequence's pooled features (``pooling``).

    Parameters
    ----------
{_PARAMETERS}
    pooling : {{'last', 'mean', 'both'}}, default='last'
        Readout features of a sequence when ``y`` has one value per
        sequence: its last step's features, their mean over the steps after
        the washout, or both side by side. Unused with per-step targets.

    output_feedback : bool, default=False
        Feed the previous output back into the reservoir through W_fb.
        Training is teacher-forced (y_{{t-1}} is the previous target);
        ``predict`` and ``forecast`` feed back the model's own outputs.

    feedback_scaling : float, default=1.0
        W_fb is uniform in [-feedback_scaling, feedback_scaling].

{_COMMON_END.format(fb=", W_fb")}
    Attributes
    ----------
{_ATTRIBUTES.format(pooled=" (twice, last then mean, with pooling='both')")}
    feedback_weights_ : ndarray of shape (n_outputs, n_reservoir) or None
        W_fb, with ``output_feedback``.

    See Also
    --------
    EchoStateClassifier : one label per sequence from the pooled states.
    ElmanRegressor : a recurrent network trained by backpropagation.
    sklearn.linear_model.RidgeCV : ridge with efficient cross-validation.

    Notes
    -----
{_NOTES}
    ``partial_fit`` on consecutive 2D chunks continues the series: the
    reservoir state, the teacher-forced feedback, the washout count and the
    noise stream carry over. ``forecast(None, n_steps)`` continues from
    where the training stream ended. The state that
    ``predict(..., return_state=True)`` returns and ``initial_state`` takes
    is the reservoir state, followed by the last output with
    ``output_feedback``.

    References
    ----------
{_REFERENCES}
    Examples
    --------
    Forecast the Mackey-Glass series 84 steps ahead, free-running:

    >>> import numpy as np
    >>> from sklearn.metrics import r2_score
    >>> from skrnn import EchoStateRegressor
    >>> from skrnn.datasets import make_mackey_glass
    >>> s = make_mackey_glass(1600, random_state=0)
    >>> X, y = s[:-1, None], s[1:]
    >>> esn = EchoStateRegressor(n_reservoir=200, spectral_radius=1.25, leaking_rate=0.3,
    ...                          input_scaling=0.5, n_washout=100, alpha=1e-8,
    ...                          random_state=0).fit(X[:1500], y[:1500])
    >>> pred = esn.predict(X)  # from the zero state: score after the transient
    >>> bool(r2_score(y[1500:], pred[1500:]) > 0.9999)
    True
    >>> future = esn.forecast(None, 84)  # continues after X[:1500]: s[1500], s[1501], ...
    >>> bool(np.sqrt(np.mean((future - s[1500:1584]) ** 2)) / s.std() < 0.05)
    True
    """

    _missing_targets = True

    _parameter_constraints: ClassVar[dict] = {
        **_BaseEchoState._parameter_constraints,
        "output_feedback": ["boolean"],
        "feedback_scaling": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        n_reservoir=100,
        *,
        spectral_radius=0.9,
        connectivity=0.1,
        input_scaling=1.0,
        bias_scaling=1.0,
        leaking_rate=1.0,
        n_washout=0,
        alpha=1e-6,
        alphas=None,
        include_inputs=True,
        fit_intercept=True,
        state_noise=0.0,
        pooling="last",
        output_feedback=False,
        feedback_scaling=1.0,
        random_state=None,
        n_jobs=None,
        verbose=False,
    ):
        self.n_reservoir = n_reservoir
        self.spectral_radius = spectral_radius
        self.connectivity = connectivity
        self.input_scaling = input_scaling
        self.bias_scaling = bias_scaling
        self.leaking_rate = leaking_rate
        self.n_washout = n_washout
        self.alpha = alpha
        self.alphas = alphas
        self.include_inputs = include_inputs
        self.fit_intercept = fit_intercept
        self.state_noise = state_noise
        self.pooling = pooling
        self.output_feedback = output_feedback
        self.feedback_scaling = feedback_scaling
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    _architecture_params = (*_BaseEchoState._architecture_params, "output_feedback",
                            "feedback_scaling")

    @property
    def _feedback(self):
        return bool(self.output_feedback)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Run the reservoir over ``X`` and solve the readout for ``y``.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features) or \
                (n_sequences, n_timesteps, n_features), or list of array-like
            A single series, a batch of equal-length sequences, or a list of
            sequences of different lengths.
        y : array-like or list of array-like
            A target per time step, in the layout of ``X`` (with an optional
            last axis of outputs), or one target per sequence for 3D or list
            ``X``.
        sample_weight : array-like or list of array-like, default=None
            Weights of the readout rows (see Notes). With a target per step,
            one weight per step in the layout of ``y`` (``(n_timesteps,)``
            for a series, ``(n_sequences, n_timesteps)`` for 3D ``X``, a
            list of per-step arrays for list ``X``) or one per sequence;
            with a target per sequence, one per sequence. The washout's
            steps carry no weight whatever is passed.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Add ``(X, y)`` to the readout's sums and solve again.

        Consecutive 2D chunks are consecutive pieces of one series: the
        reservoir state carries over, and the result equals ``fit`` on the
        whole series, bit for bit. 3D and list chunks are independent
        sequences. Streaming a dask array with
        ``dask_ml.wrappers.Incremental``, pass ``shuffle_blocks=False`` so
        that the chunks arrive in time order (or fit the readout in parallel
        with :func:`skrnn.dask.fit_distributed`).

        Parameters
        ----------
        X : array-like or list of array-like
            As in :meth:`fit`.
        y : array-like or list of array-like
            As in :meth:`fit`.
        sample_weight : array-like or list of array-like, default=None
            As in :meth:`fit`: weighted chunks give the readout weighted
            ``fit`` gives. A chunk of the series (2D ``X``) may have weights
            that are all zero: the state runs through it and the readout
            learns nothing from it. Until the stream has a readout row of
            positive weight after the washout, the readout is zero,
            :meth:`predict` returns zeros (``return_std`` raises) and
            ``alpha_`` is NaN for ``alpha='gcv'`` or ``'cv'``.

        Returns
        -------
        self : object
            The updated estimator.

        Raises
        ------
        ValueError
            If a parameter that draws the reservoir or defines the readout's
            features (``n_reservoir``, ``spectral_radius``, ``connectivity``,
            ``input_scaling``, ``bias_scaling``, ``leaking_rate``,
            ``include_inputs``, ``pooling``, ``output_feedback``,
            ``feedback_scaling``) changed since the stream began: set it back,
            or start a new stream with :meth:`fit`. ``alpha``, ``n_washout``
            and ``state_noise`` may change between calls.
        """
        return self._fit(X, y, incremental=True, sample_weight=sample_weight)

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R^2 over the predicted steps after the washout.

        Every sequence starts from the zero state, and its first
        ``n_washout`` steps, which ``fit`` leaves out of training while the
        reservoir forgets that state, are left out of the score too (all
        steps count if that leaves none). This is what makes a
        ``GridSearchCV`` with ``TimeSeriesSplit`` compare reservoirs on how
        well they predict, not on how fast they forget their start.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences in any layout :meth:`fit` accepts.
        y : array-like or list of array-like
            True targets, as for :meth:`fit`.
        sample_weight : array-like, default=None
            Weights of the flattened target rows (all of them, washout
            included).

        Returns
        -------
        score : float
        """
        seqs, Y, _ = self._run(X)
        self._encode_targets(seqs, y, reset=False)
        y_true, y_pred = seqs.Y, Y[seqs.target_rows]
        keep = ~np.isnan(y_true).any(axis=1)  # steps without a target are not scored
        if seqs.per_step and self.n_washout:
            after = keep & self._washout_mask(seqs.offsets)
            keep = after if after.any() else keep
        if not keep.all():
            y_true, y_pred = y_true[keep], y_pred[keep]
            if sample_weight is not None:
                sample_weight = np.asarray(sample_weight)[keep]
        if y_true.shape[1] == 1:
            y_true, y_pred = y_true[:, 0], y_pred[:, 0]
        return r2_score(y_true, y_pred, sample_weight=sample_weight)

    def _state_path(self, X, initial_state):
        """Outputs and the state after every row of one 2D series, in one run.

        The state is what ``_run`` carries: the reservoir state, then the
        last output with ``output_feedback``. The backtests read it at every
        origin instead of running the series origin by origin.
        """
        pieces = []
        seqs, Y, _ = self._run(X, initial_state, features=pieces)
        n = self.n_reservoir
        S = np.empty((seqs.n_steps, n + (self.n_outputs_ if self._feedback else 0)),
                     dtype=Y.dtype)
        for rows, F in pieces:
            S[rows, :n] = F[:, -n:]  # the features end with the reservoir state
        if self._feedback:
            S[:, n:] = Y
        return Y, S

    def _predict_std(self, X, initial_state):
        """Outputs, the readout's Bayesian predictive standard deviations, and the state."""
        sums = self._readout_sums
        if not hasattr(sums, "total"):
            raise ValueError("return_std needs the readout's sums, which slim() dropped; "
                             "refit to get standard deviations.")
        if sums.n == 0:
            # a stream that has seen no readout row yet predicts 0: no deviation to give
            raise ValueError("return_std needs readout rows, and every step seen so far is "
                             "inside the washout or has a NaN target or zero weight; "
                             "partial_fit more steps first.")
        pieces = []
        seqs, Y, state = self._run(X, initial_state, features=pieces)
        if not self._per_step:
            raise ValueError("return_std is available for per-step targets only.")
        H = np.empty((seqs.n_steps, pieces[0][1].shape[1]))
        for rows, F in pieces:
            H[rows] = F
        solution = self._readout_solution()
        std = predictive_std(sums.total, solution.coef, self.alpha_,
                             self._readout_params["fit_intercept"], H)
        return seqs, Y, std.astype(Y.dtype), state

    def forecast(self, X, n_steps, *, covariates=None, feedback=None, strategy="recursive",
                 initial_state=None):
        """Forecast ``n_steps`` past the history ``X``, feeding the outputs back as inputs.

        The recursive strategy (the default) runs a closed loop: each
        forecast output is written into the input column it stands for
        (``feedback``), the other input columns take their known future
        values (``covariates``: calendar, weather forecasts, control
        signals), and the reservoir steps on. The direct strategy reads
        every horizon off the last step of a model fitted with one output
        per horizon (:func:`skrnn.forecasting.direct_targets`).

        Parameters
        ----------
        X : array-like, list of array-like, or None
            The observed history, which warms the state up. None continues
            from the end of the 2D series seen by the last ``fit`` or
            ``partial_fit``: the first forecast step is then the prediction
            that follows its last step.
        n_steps : int
            Number of future steps to generate; the first is the model's
            prediction after the last observed step.
        covariates : array-like of shape (n_steps - 1, n_covariates) or \
                (n_steps - 1, n_features), default=None
            The input rows that follow the history, which the steps after
            the first read: the columns not fed back, in input order, or
            whole rows whose fed-back columns are ignored (they may be NaN).
            A DataFrame is matched by column name. For 3D or list ``X``, one
            such block per sequence, shape (n_sequences, n_steps - 1, ...).
            Required when some input column is not fed back and
            ``n_steps > 1``.
        feedback : None, int, str or list, default=None
            Which input column each output feeds: entry j is the position
            (or, for a model fitted on a DataFrame, the name) of output j's
            column, or None for an output that is not fed back. None maps
            output j to column j and needs as many outputs as inputs.
        strategy : {'recursive', 'direct'}, default='recursive'
            The closed loop, or one output per horizon step.
        initial_state : array-like, default=None
            State to start the history from, as in :meth:`predict`.

        Returns
        -------
        y_forecast : ndarray of shape (n_steps,) or (n_steps, n_outputs) for a \
                2D series, else (n_sequences, n_steps[, n_outputs])
        """
        check_is_fitted(self)
        check_n_steps(n_steps)
        check_strategy(strategy)
        simple = covariates is None and feedback is None and strategy == "recursive"
        if simple and (not self._per_step or self.n_outputs_ != self._n_inputs):
            raise ValueError(
                "forecast feeds each output back as the next input, so the model must have "
                f"a target per step and as many outputs as input features; it has "
                f"{self.n_outputs_} outputs {'per step' if self._per_step else 'per sequence'} "
                f"and {self._n_inputs} input features (pass feedback= to map outputs to "
                "input columns, and covariates= for the others)."
            )
        n = self.n_reservoir
        if X is None:
            if self._stream["u"] is None:
                raise ValueError("forecast(None, ...) continues the 2D series of the last fit "
                                 "or partial_fit, but none was seen; pass the history X.")
            if initial_state is not None:
                raise ValueError("initial_state cannot be used with X=None.")
            x = self._stream["x"].copy()
            W_u, W_x = self._coef_parts()
            y_last = x @ W_x + self.output_bias_
            if W_u is not None:
                y_last += self._stream["u"] @ W_u
            # the state _run carries: the reservoir, then the output fed back next
            state = np.hstack([x, y_last]) if self._feedback else x
            series = True
        else:
            seqs, Y, state = self._run(X, initial_state)
            x = np.ascontiguousarray(state[:, :n])
            y_last = Y[seqs.last_rows]
            series = seqs.layout == "series"
        if not simple:
            out = forecast_from(self, state, y_last, n_steps, covariates=covariates,
                                feedback=feedback, strategy=strategy, series=series)
            return squeeze_forecast(out, self._squeeze or strategy == "direct", series)
        n_seq = x.shape[0]
        out = np.empty((n_seq, n_steps, self.n_outputs_), dtype=self._dtype)
        out[:, 0] = y_last
        if n_steps > 1:
            out[:, 1:] = self._generate(x, y_last, n_steps - 1).reshape(n_seq, n_steps - 1, -1)
        return squeeze_forecast(out, self._squeeze, series)

    def _generate(self, x, y_last, m):
        """m steps of free-running generation from states ``x`` and outputs ``y_last``.

        The output is the next input, so the input and feedback terms merge:
        z_t = b + y_{t-1} @ (W_in + W_fb) + x_{t-1} @ W, and the readout's
        input term becomes a term in y_{t-1}.
        """
        n_seq, dtype = x.shape[0], self._dtype
        res = self._reservoir
        W_u, W_x = self._coef_parts()
        W_loop = self.input_weights_ + (self.feedback_weights_ if self._feedback else 0)
        offsets = np.arange(0, (n_seq + 1) * m, m, dtype=np.intp)
        U = np.empty((n_seq * m, self.n_reservoir), dtype=dtype)
        U[...] = self.hidden_bias_
        V = np.empty((n_seq * m, self.n_outputs_), dtype=dtype)
        V[...] = self.output_bias_
        x_state = np.array(x, dtype=dtype, order="C")
        y_state = np.array(y_last, dtype=dtype, order="C")
        _, Y = res.run_closed(U, V, offsets, np.arange(n_seq, dtype=np.intp), x_state, y_state,
                              W_fb=W_loop, R=W_x, G=W_u)
        return Y


class EchoStateClassifier(ClassifierMixin, _BaseEchoState):
    __doc__ = f"""Echo state network for sequence classification.

    Every sequence drives a fixed random reservoir of leaky tanh units from
    the zero state::

        x_t = (1 - a) x_{{t-1}} + a tanh(b + u_t @ W_in + x_{{t-1}} @ W)

    Its features ``[u_t, x_t]`` (or ``x_t``) are pooled into one row per
    sequence (``pooling``), and a ridge readout is trained on the classes
    coded as +1 / -1, as :class:`~sklearn.linear_model.RidgeClassifier`
    does. The predicted class is the largest readout output (its sign for
    two classes).

{SEQUENCE_LAYOUTS_DOC}

    Parameters
    ----------
{_PARAMETERS.replace("default=1e-6", "default='cv'")}
    pooling : {{'last', 'mean', 'both'}}, default='mean'
        Readout features of a sequence: its last step's features, their mean
        over the steps after the washout, or both side by side. The mean is
        the more robust to noise and to where in the sequence the evidence
        lies; the last state is what a reservoir with a long memory
        summarises best.

{_COMMON_END.format(fb="")}{CLASS_WEIGHT_DOC}
    Attributes
    ----------
{_ATTRIBUTES.format(pooled=" (twice, last then mean, with pooling='both')")}
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    See Also
    --------
    EchoStateRegressor : per-step regression and forecasting.
    sklearn.linear_model.RidgeClassifier : the same readout on static features.

    Notes
    -----
{_NOTES}
    References
    ----------
{_REFERENCES}
    Examples
    --------
    Tell slow sine waves from fast ones:

    >>> from skrnn import EchoStateClassifier
    >>> from skrnn.datasets import make_sine_sequences
    >>> X, y = make_sine_sequences(200, n_timesteps=40, random_state=0)
    >>> clf = EchoStateClassifier(n_reservoir=100, random_state=0).fit(X[:150], y[:150])
    >>> print(f"{{clf.score(X[150:], y[150:]):.2f}}")
    0.9...
    """

    _univariate_rows = True

    _parameter_constraints: ClassVar[dict] = {
        **_BaseEchoState._parameter_constraints,
        "class_weight": [None, dict, StrOptions({"balanced"})],
    }

    # sample_weight times class_weight, as in the other sequence classifiers
    _target_weights = SequenceClassifierMixin._target_weights
    _class_indices = staticmethod(SequenceClassifierMixin._class_indices)

    def __init__(
        self,
        n_reservoir=100,
        *,
        spectral_radius=0.9,
        connectivity=0.1,
        input_scaling=1.0,
        bias_scaling=1.0,
        leaking_rate=1.0,
        n_washout=0,
        alpha="cv",
        alphas=None,
        include_inputs=True,
        fit_intercept=True,
        state_noise=0.0,
        pooling="mean",
        random_state=None,
        n_jobs=None,
        verbose=False,
        class_weight=None,
    ):
        self.n_reservoir = n_reservoir
        self.spectral_radius = spectral_radius
        self.connectivity = connectivity
        self.input_scaling = input_scaling
        self.bias_scaling = bias_scaling
        self.leaking_rate = leaking_rate
        self.n_washout = n_washout
        self.alpha = alpha
        self.alphas = alphas
        self.include_inputs = include_inputs
        self.fit_intercept = fit_intercept
        self.state_noise = state_noise
        self.pooling = pooling
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.class_weight = class_weight

    def _encode_targets(self, seqs, y, *, reset, classes=None):
        # labels as in the other sequence classifiers, then coded +1 / -1
        SequenceClassifierMixin._encode_targets(self, seqs, y, reset=reset, classes=classes)
        seqs.Y = 2 * seqs.Y - 1
        if reset:
            self._per_step = False

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Run the reservoir over every sequence and solve the readout.

        Parameters
        ----------
        X : array-like of shape (n_sequences, n_timesteps) or \
                (n_sequences, n_timesteps, n_features), or list of array-like
            Univariate sequences one per row, a batch of equal-length
            sequences, or a list of sequences of different lengths.
        y : array-like of shape (n_sequences,)
            Labels, of any type.
        sample_weight : array-like of shape (n_sequences,), default=None
            Weight of each sequence's readout row (see Notes), multiplied
            with ``class_weight``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Add the sequences ``(X, y)`` to the readout's sums and solve again.

        Parameters
        ----------
        X : array-like or list of array-like
            As in :meth:`fit`.
        y : array-like of shape (n_sequences,)
            Labels.
        classes : array-like of shape (n_classes,), default=None
            All labels there will ever be; required on the first call.
        sample_weight : array-like of shape (n_sequences,), default=None
            As in :meth:`fit`.

        Returns
        -------
        self : object
            The updated estimator.

        Raises
        ------
        ValueError
            With ``class_weight='balanced'``, which would be computed from
            each call's labels alone: pass the dict of
            :func:`~sklearn.utils.class_weight.compute_class_weight` instead.
            Or if a parameter that draws the reservoir or defines the
            readout's features changed since the stream began (as in
            :meth:`EchoStateRegressor.partial_fit`).
        """
        check_classes_on_first_call(not hasattr(self, "classes_"), classes)
        check_partial_fit_class_weight(self)
        return self._fit(X, y, incremental=True, classes=classes, sample_weight=sample_weight)

    def decision_function(self, X):
        """Readout outputs of every sequence.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences in any layout :meth:`fit` accepts.

        Returns
        -------
        scores : ndarray of shape (n_sequences,) for two classes, else \
                (n_sequences, n_classes)
            For two classes, positive scores mean ``classes_[1]``.
        """
        seqs, Y, _ = self._run(X)
        scores = Y[seqs.last_rows]
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, X):
        """Predict the label of every sequence.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences in any layout :meth:`fit` accepts.

        Returns
        -------
        y_pred : ndarray of shape (n_sequences,)
        """
        scores = self.decision_function(X)
        idx = (scores > 0).astype(np.intp) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[idx]


__all__ = ["EchoStateClassifier", "EchoStateRegressor"]
