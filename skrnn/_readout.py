"""The ridge readout shared by the echo state networks, the RNN-ELMs and ``skrnn.dask``.

A readout family (a fixed random layer whose outputs feed a linear readout)
supplies its features through one hook, ``_readout_rows``; everything else
lives here:

- :class:`Moments` and :class:`ReadoutSums`: centred sums of the readout rows,
  kept in float64, summed leaf by leaf in position order (bit-identical for
  any chunking of a stream) and merged exactly (Chan, Golub and LeVeque's
  pairwise update), with per-block sums for cross-validation;
- :func:`solve_readout`: the ridge solve on standardised features, by a
  checked Cholesky factorisation (a penalty below float64's resolution is
  raised, with a warning), and the penalty choice (``'gcv'`` or blocked
  ``'cv'``) over a grid relative to the spectrum of the standardised Gram
  matrix;
- :class:`ReadoutMixin`: the all-or-nothing ``fit`` / ``partial_fit`` (validate,
  compute features, add to a copy of the sums, solve, then commit).
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from numbers import Real

import numpy as np
import scipy.linalg
from scipy.linalg import blas, lapack
from sklearn.utils.validation import check_array

from .utils._threads import limit_threads

#: folds of ``alpha='cv'``: readout rows go to contiguous blocks, block b to fold b % N_FOLDS
N_FOLDS = 5
#: at most this many blocks are kept; when a stream outgrows them, neighbours merge in pairs
_MAX_BLOCKS = 2 * N_FOLDS

#: the searched grid, relative to the largest eigenvalue of the standardised Gram
#: matrix: from where a penalty stops being resolved by float64 (a hundred
#: rounding errors of that eigenvalue) to where every direction is shrunk away
GRID_RELATIVE = np.logspace(-14, 1, 61)

#: reciprocal condition number at or below which a fixed-alpha solve is not
#: resolved in float64: its Cholesky factor is rounding noise, so the penalty is
#: raised to what float64 resolves, and a warning says so
_RCOND_WARN = np.finfo(np.float64).eps


class ReadoutWarning(UserWarning):
    """A readout whose penalty or conditioning makes the result doubtful."""


def _shifted_rows(H, m, shift=None):
    """The rows ``H`` (an array or column blocks) minus ``shift`` (default: their mean).

    Returns ``(shift, new C-contiguous float64 (m, p) array)``: the copy that
    joins the blocks side by side is the one that shifts them.
    """
    blocks = H if isinstance(H, (list, tuple)) else [H]
    out = np.empty((m, sum(B.shape[1] for B in blocks)), dtype=np.float64)
    parts, col = [], 0
    for B in blocks:
        width = B.shape[1]
        centre = (B.mean(axis=0, dtype=np.float64) if shift is None
                  else shift[col:col + width])
        np.subtract(B, centre, out=out[:, col:col + width])
        parts.append(centre)
        col += width
    return (np.concatenate(parts) if shift is None else shift), out


class Moments:
    """Count, means and centred cross-products of the rows ``(H, Y)``, in float64.

    Rows are summed about a fixed *shift* ``c``, the mean of the first rows
    added: ``T_hh = sum (h - c)(h - c)^T`` (lower triangle), ``T_hy``, the
    diagonal of ``T_yy`` and the column sums of ``h - c`` and ``y - c_y``.
    The centred moments (:attr:`mean_h`, :attr:`s_hh`, ...) follow from them
    exactly, and lose to the mean only ``(|mean - c| / spread)^2`` rounding
    errors: near nothing, where raw ``H^T H`` would lose ``(|mean| /
    spread)^2`` (a state dominated by its bias, a slow sine). Adding rows is
    one pass to shift them and one rank-k update: nothing of size
    ``n_features^2`` but the update itself.

    Parameters
    ----------
    n_features, n_outputs : int
    """

    def __init__(self, n_features, n_outputs):
        self.n = 0
        self.shift_h = np.zeros(n_features)
        self.shift_y = np.zeros(n_outputs)
        self.sum_h = np.zeros(n_features)
        self.sum_y = np.zeros(n_outputs)
        # Fortran order: BLAS syrk and syr update it in place (lower triangle)
        self.t_hh = np.zeros((n_features, n_features), order="F")
        self.t_hy = np.zeros((n_features, n_outputs))
        self.t_yy = np.zeros(n_outputs)
        self._centred = []

    _ARRAYS = ("shift_h", "shift_y", "sum_h", "sum_y", "t_hy", "t_yy")

    def copy(self):
        new = Moments.__new__(Moments)
        new.n = self.n
        for name in self._ARRAYS:
            setattr(new, name, getattr(self, name).copy())
        new.t_hh = self.t_hh.copy(order="F")
        new._centred = []
        return new

    def add(self, H, Y):
        """Add the rows ``H`` (m, p) and ``Y`` (m, k); ``H`` may be a list of column blocks."""
        m = Y.shape[0]
        if m == 0:
            return self
        first = self.n == 0
        shift_h, Hs = _shifted_rows(H, m, None if first else self.shift_h)
        shift_y, Ys = _shifted_rows([Y], m, None if first else self.shift_y)
        if first:
            self.shift_h, self.shift_y = shift_h, shift_y
        # Hs.T is Fortran-ordered: BLAS reads it without a transposed copy
        blas.dsyrk(1.0, Hs.T, beta=1.0, c=self.t_hh, trans=0, lower=1, overwrite_c=1)
        self.t_hy += Hs.T @ Ys
        self.t_yy += np.einsum("ij,ij->j", Ys, Ys)
        self.sum_h += Hs.sum(axis=0)
        self.sum_y += Ys.sum(axis=0)
        self.n += m
        self._centred.clear()
        return self

    def merge(self, other):
        """Add the moments of ``other`` (rows seen elsewhere), moved to this shift.

        With ``d = c_other - c``, ``sum (h - c)(h - c)^T`` over the other rows
        is ``T_other + d s^T + s d^T + n_other d d^T`` (``s`` their shifted
        sum): Chan, Golub and LeVeque's pairwise update, about a fixed shift.
        """
        if other.n == 0:
            return self
        if self.n == 0:
            self.__dict__.update(other.copy().__dict__)
            return self
        d_h, d_y = other.shift_h - self.shift_h, other.shift_y - self.shift_y
        self.t_hh += other.t_hh
        if np.any(d_h):
            blas.dsyr2(1.0, d_h, other.sum_h, a=self.t_hh, lower=1, overwrite_a=1)
            blas.dsyr(float(other.n), d_h, a=self.t_hh, lower=1, overwrite_a=1)
        self.t_hy += (other.t_hy + np.outer(d_h, other.sum_y) + np.outer(other.sum_h, d_y)
                      + other.n * np.outer(d_h, d_y))
        self.t_yy += other.t_yy + 2 * d_y * other.sum_y + other.n * d_y * d_y
        self.sum_h += other.sum_h + other.n * d_h
        self.sum_y += other.sum_y + other.n * d_y
        self.n += other.n
        self._centred.clear()
        return self

    def _centred_moments(self):
        if not self._centred:
            n = max(self.n, 1)
            a_h, a_y = self.sum_h / n, self.sum_y / n     # mean - shift
            s_hh = self.t_hh.copy(order="F")
            blas.dsyr(-float(self.n), a_h, a=s_hh, lower=1, overwrite_a=1)
            self._centred.append({
                "mean_h": self.shift_h + a_h, "mean_y": self.shift_y + a_y, "s_hh": s_hh,
                "s_hy": self.t_hy - self.n * np.outer(a_h, a_y),
                "s_yy": self.t_yy - self.n * a_y * a_y})
        return self._centred[0]

    @property
    def mean_h(self):
        return self._centred_moments()["mean_h"]

    @property
    def mean_y(self):
        return self._centred_moments()["mean_y"]

    @property
    def s_hh(self):
        """Centred ``sum (h - mean)(h - mean)^T``, lower triangle (the upper is zero)."""
        return self._centred_moments()["s_hh"]

    @property
    def s_hy(self):
        return self._centred_moments()["s_hy"]

    @property
    def s_yy(self):
        return self._centred_moments()["s_yy"]

    def gram(self):
        """The full symmetric ``S_hh`` (the lower triangle mirrored)."""
        S = np.tril(self.s_hh)
        return S + np.tril(S, -1).T

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_centred"] = []      # derived: not pickled
        return state


#: a leaf of the summation holds at most about this many feature values (a power of
#: two of positions, 2 MB of float64): large enough that a leaf's rank-k update runs
#: at BLAS speed, small enough that a partial_fit re-sums little of an incomplete one
LEAF_ELEMENTS = 1 << 18


def leaf_size_for(n_features, elements=None):
    """The largest power of two of positions whose rows hold at most ``elements`` values
    (default ``LEAF_ELEMENTS``)."""
    elements = LEAF_ELEMENTS if elements is None else elements
    return 1 << max(0, int(elements // max(n_features, 1)).bit_length() - 1)


class ReadoutSums:
    """Everything a ridge readout needs of its rows, in O(n_features^2) memory.

    Rows carry a position: the time step of a series, the index of a
    sequence or of a row. The moments of all rows (:attr:`total`) are summed
    leaf by leaf, a leaf being the rows of ``leaf_size`` consecutive positions,
    in position order; the rows of a leaf not yet complete wait in a buffer.
    The sums therefore go through the same floating-point operations however
    the rows were chunked: ``fit`` and ``partial_fit`` over any chunking of a
    stream whose positions arrive in order hold bit-identical sums, and so
    solve the same readout however ill-conditioned it is. Rows added without
    positions, or out of order (the per-step rows of a batch of sequences),
    and sums merged from elsewhere (Dask blocks) are exact to rounding.

    With ``folds=True`` the moments of contiguous blocks of positions are
    kept too, for ``alpha='cv'``: block ``b`` holds positions
    ``[b B, (b + 1) B)``, ``B`` the least power of two that keeps at most
    ``_MAX_BLOCKS`` blocks for the positions seen so far (when a stream
    outgrows them, neighbouring blocks merge in pairs); the blocks depend
    only on the positions, never on the chunking.

    Parameters
    ----------
    n_features, n_outputs : int
    folds : bool, default=False
        Keep the per-block moments that ``alpha='cv'`` needs.
    leaf_size : int, default=None
        Positions per leaf (a power of two); None is :func:`leaf_size_for`.
    """

    def __init__(self, n_features, n_outputs, folds=False, leaf_size=None):
        self._folded = Moments(n_features, n_outputs)   # complete leaves, in order
        self._pending = None        # (leaf, [(blocks, Y), ...]): the incomplete leaf's rows
        self._cache = []            # the total with the pending rows, once computed
        self.leaf_size = int(leaf_size or leaf_size_for(n_features))
        self.folds = bool(folds)
        self.block_size = 1
        self.blocks = {}
        self.n_positions = 0

    @property
    def total(self):
        """The moments of every row added: the folded leaves, then the pending rows."""
        if self._pending is None:
            return self._folded
        if not self._cache:
            self._cache.append(self._folded.copy().add(*self._pending_rows()))
        return self._cache[0]

    @property
    def n(self):
        pending = 0 if self._pending is None else sum(Y.shape[0] for _, Y in self._pending[1])
        return self._folded.n + pending

    @property
    def n_features(self):
        return self._folded.mean_h.shape[0]

    @property
    def n_outputs(self):
        return self._folded.mean_y.shape[0]

    def copy(self):
        new = ReadoutSums.__new__(ReadoutSums)
        new._folded = self._folded.copy()
        new._pending = (None if self._pending is None else
                        (self._pending[0], [([B.copy() for B in blocks], Y.copy())
                                            for blocks, Y in self._pending[1]]))
        new._cache = []
        new.leaf_size = self.leaf_size
        new.folds = self.folds
        new.block_size = self.block_size
        new.blocks = {b: m.copy() for b, m in self.blocks.items()}
        new.n_positions = self.n_positions
        return new

    def reserve(self, n_positions):
        """Make room for positions up to ``n_positions``: coarsen the blocks if needed."""
        self.n_positions = max(self.n_positions, int(n_positions))
        size = self.block_size
        while -(-self.n_positions // size) > _MAX_BLOCKS:
            size *= 2
        self._coarsen(size)
        return self

    def _coarsen(self, size):
        if size <= self.block_size:
            return
        merged = {}
        for b in sorted(self.blocks):
            key = b * self.block_size // size
            if key in merged:
                merged[key].merge(self.blocks[b])
            else:
                merged[key] = self.blocks[b]
        self.blocks, self.block_size = merged, size

    def add(self, H, Y, positions=None, ordered=True):
        """Add readout rows ``H`` (m, p) with targets ``Y`` (m, k) at ``positions`` (m,).

        ``H`` may be a list of column blocks. Rows whose target has a NaN are
        left out (no target at that step). With folds, call :meth:`reserve`
        first with the positions that this chunk reaches. ``ordered=False``
        says that rows do not come one per position in position order (the
        per-step rows of a batch of sequences): they are summed at once,
        exact to rounding.
        """
        Y = np.asarray(Y)
        if Y.shape[0] == 0:
            return self
        blocks = list(H) if isinstance(H, (list, tuple)) else [H]
        missing = np.isnan(Y).any(axis=1)
        if missing.any():
            keep = ~missing
            blocks, Y = [B[keep] for B in blocks], Y[keep]
            positions = None if positions is None else np.asarray(positions)[keep]
        if Y.shape[0] == 0:
            return self
        self._cache.clear()
        if self.folds:
            if positions is None:
                raise ValueError("readout sums with folds need the rows' positions")
            self._add_to_blocks(blocks, Y, np.asarray(positions))
        if positions is None or not ordered:
            self._flush()
            self._folded.add(blocks, Y)
        else:
            self._add_to_leaves(blocks, Y, np.asarray(positions))
        return self

    def _add_to_leaves(self, blocks, Y, positions):
        leaf = positions // self.leaf_size
        if np.any(np.diff(positions) <= 0) or (self._pending is not None
                                               and leaf[0] < self._pending[0]):
            # out of order (the per-step rows of a batch of sequences): exact to rounding
            self._flush()
            self._folded.add(blocks, Y)
            return
        cuts = np.flatnonzero(np.diff(leaf)) + 1
        starts, stops = np.concatenate([[0], cuts]), np.concatenate([cuts, [leaf.size]])
        for i, (a, b) in enumerate(zip(starts, stops)):
            part = [B[a:b] for B in blocks], Y[a:b]
            # a leaf is complete once a later position arrives, or at its last position
            complete = i + 1 < starts.size or positions[b - 1] % self.leaf_size == \
                self.leaf_size - 1
            if self._pending is not None and self._pending[0] == leaf[a]:
                self._pending[1].append(([np.array(B) for B in part[0]], np.array(part[1])))
                if complete:
                    self._flush()
                continue
            self._flush()
            if complete:
                self._folded.add(*part)
            else:
                self._pending = (int(leaf[a]),
                                 [([np.array(B) for B in part[0]], np.array(part[1]))])

    def _pending_rows(self):
        pieces = self._pending[1]
        if len(pieces) == 1:
            return pieces[0]
        n_blocks = len(pieces[0][0])
        return ([np.concatenate([blocks[j] for blocks, _ in pieces]) for j in range(n_blocks)],
                np.concatenate([Y for _, Y in pieces]))

    def _flush(self):
        """Fold the pending rows into the sums (their leaf is complete, or order is lost)."""
        if self._pending is not None:
            self._folded.add(*self._pending_rows())
            self._pending = None
            self._cache.clear()

    def _add_to_blocks(self, blocks, Y, positions):
        block = positions // self.block_size
        if block[0] == block[-1] and np.all(block == block[0]):
            self._block(block[0]).add(blocks, Y)
        else:
            for b in np.unique(block):
                rows = block == b
                self._block(b).add([B[rows] for B in blocks], Y[rows])

    def _block(self, b):
        b = int(b)
        if b not in self.blocks:
            self.blocks[b] = Moments(self.n_features, self.n_outputs)
        return self.blocks[b]

    def _merged(self, keys):
        out = Moments(self.n_features, self.n_outputs)
        for b in keys:
            out.merge(self.blocks[b])
        return out

    def merge(self, other):
        """Add the sums of ``other``: rows seen elsewhere (a Dask block), at their positions.

        Exact to rounding (Chan et al.'s update): the pending rows of both are
        folded in first.
        """
        if self.folds != other.folds:
            raise ValueError("cannot merge readout sums with and without per-block sums")
        other = other.copy()
        other._flush()
        self._flush()
        self._cache.clear()
        self._folded.merge(other._folded)
        self.n_positions = max(self.n_positions, other.n_positions)
        if self.folds:
            size = max(self.block_size, other.block_size)
            self._coarsen(size)
            other._coarsen(size)
            for b, m in other.blocks.items():
                if b in self.blocks:
                    self.blocks[b].merge(m)
                else:
                    self.blocks[b] = m
            self.reserve(self.n_positions)
        return self

    def fold_moments(self):
        """(held-out, training) moments of each of the ``N_FOLDS`` folds that have rows."""
        out = []
        for k in range(N_FOLDS):
            held = [b for b in sorted(self.blocks) if b % N_FOLDS == k]
            train = [b for b in sorted(self.blocks) if b % N_FOLDS != k]
            held_m, train_m = self._merged(held), self._merged(train)
            if held_m.n and train_m.n:
                out.append((held_m, train_m))
        return out


# -- the solve -------------------------------------------------------------------------
class _Standardised:
    """The standardised normal equations of a set of moments.

    Features are divided by their standard deviation (constant ones by 1, as
    scikit-learn's scalers do), so that ``alpha`` weighs every feature
    alike, whatever its units: the readout is ``make_pipeline(StandardScaler(),
    Ridge(alpha))``, computed from sums. With an intercept the equations
    are centred (the intercept is never penalised); without one they are
    the raw ``H^T H`` and ``H^T Y``, scaled alike.
    """

    def __init__(self, moments, fit_intercept=True):
        self.moments = moments
        self.fit_intercept = fit_intercept
        n = max(moments.n, 1)
        # the lower triangle holds the sums (the upper is zero): scaled in place,
        # it is what the factorisations read
        S = moments.s_hh.copy(order="F")
        scale = np.sqrt(np.diag(S) / n)
        # a feature whose spread is at rounding level of its mean is constant
        constant = scale <= 1e-13 * np.abs(moments.mean_h)
        scale[constant | (scale == 0)] = 1.0
        S[constant, :] = 0.0
        S[:, constant] = 0.0
        cross = moments.s_hy.copy()
        cross[constant] = 0.0
        if not fit_intercept:
            blas.dsyr(float(moments.n), moments.mean_h, a=S, lower=1, overwrite_a=1)
            cross += moments.n * np.outer(moments.mean_h, moments.mean_y)
        inverse = 1.0 / scale
        S *= inverse[:, None]
        S *= inverse[None, :]
        self.scale = scale
        self.gram = S
        self.cross = cross * inverse[:, None]

    def norm1(self):
        """The 1-norm of the symmetric matrix whose lower triangle is ``gram`` (>= its top
        eigenvalue)."""
        absolute = np.abs(self.gram)
        return float(np.max(absolute.sum(axis=0) + absolute.sum(axis=1) - np.diag(absolute)))

    def weights(self, beta):
        """Coefficients and intercept in the original units from standardised ``beta``."""
        coef = beta / self.scale[:, None]
        if not self.fit_intercept:
            return coef, np.zeros(coef.shape[1])
        return coef, self.moments.mean_y - self.moments.mean_h @ coef

    def eigh(self):
        lam, V = scipy.linalg.eigh(self.gram, lower=True, check_finite=False, driver="evd")
        return np.clip(lam, 0.0, None), V


def _check_finite_moments(moments, targets=False):
    finite = np.all(np.isfinite(moments.s_hh)) and np.all(np.isfinite(moments.s_hy))
    if targets and not np.all(np.isfinite(moments.s_yy)):
        raise ValueError("The targets' sums are not finite: y overflowed float64 when squared. "
                         "Rescale y (or use a fixed alpha, which does not need them).")
    if not finite:
        raise ValueError(
            "The readout's sums are not finite: the features overflowed float64. Lower "
            "input_scaling (or check the inputs' scale).")


def solve_fixed(moments, alpha, fit_intercept=True):
    """Ridge on standardised features at a fixed ``alpha``.

    A Cholesky factorisation, with LAPACK's estimate of its reciprocal
    condition number. Where that is below float64's resolution (or the
    factorisation fails), ``alpha`` is raised to the least penalty float64
    resolves next to the matrix's norm, ``n_features * eps * norm``, and the
    factorisation repeated: the rounding noise of the sums then stays out of
    the readout.

    Returns
    -------
    coef, intercept : the readout in the original units
    rcond : float
        Reciprocal condition number at the requested ``alpha`` (0 if the
        factorisation failed).
    alpha_used : float
        ``alpha``, or the raised penalty.
    """
    _check_finite_moments(moments)
    std = _Standardised(moments, fit_intercept)
    A = std.gram
    diagonal = np.arange(A.shape[0])
    A[diagonal, diagonal] += alpha
    norm = std.norm1()
    factor, info = lapack.dpotrf(A, lower=1, clean=0, overwrite_a=0)
    rcond = 0.0
    if info == 0:
        rcond, info = lapack.dpocon(factor, norm, uplo="L")
    alpha_used = float(alpha)
    if info != 0 or rcond <= _RCOND_WARN:
        floor = A.shape[0] * np.finfo(np.float64).eps * norm
        A[diagonal, diagonal] += floor
        alpha_used += floor
        factor, info = lapack.dpotrf(A, lower=1, clean=0, overwrite_a=1)
        if info != 0:  # pragma: no cover - positive definite by construction
            raise np.linalg.LinAlgError("the readout's Gram matrix is not positive definite")
    beta = scipy.linalg.cho_solve((factor, True), std.cross, check_finite=False)
    coef, intercept = std.weights(beta)
    return coef, intercept, float(rcond), alpha_used


def alpha_grid(moments, fit_intercept=True):
    """The grid ``alpha='gcv'`` and ``'cv'`` search, relative to the standardised features.

    ``GRID_RELATIVE`` times the power of ten at or above the largest
    eigenvalue of the standardised Gram matrix: round values (``alpha_``
    reads 1e-3, not 1.0372e-3), the same for ``fit`` and any chunking of
    ``partial_fit`` (whose eigenvalues differ in the last digits).
    """
    _check_finite_moments(moments, targets=True)
    std = _Standardised(moments, fit_intercept)
    top = scipy.linalg.eigvalsh(std.gram, subset_by_index=[std.gram.shape[0] - 1] * 2,
                                check_finite=False)[0]
    return _grid_below(top)


def _grid_below(top):
    return GRID_RELATIVE * 10.0 ** np.ceil(np.log10(max(top, 1.0)))


def gcv_curve(moments, alphas, fit_intercept=True):
    """GCV score of every alpha, and the solution at the best one.

    GCV(alpha) = (RSS(alpha) / n) / (1 - df(alpha) / n)^2 (Golub, Heath and
    Wahba, 1979). With ``G = V diag(lam) V^T`` and ``Q = V^T C``::

        RSS(alpha) = sum(y^2) - sum_i |Q_i|^2 (lam_i + 2 alpha) / (lam_i + alpha)^2
        df(alpha)  = 1 + sum_i lam_i / (lam_i + alpha)

    so one eigendecomposition scores the whole grid.
    """
    scores, _, (std, lam, V, Q, kept) = _gcv(moments, alphas, fit_intercept)
    return scores, (std, lam, V, Q)


def _gcv(moments, alphas, fit_intercept):
    """GCV scores over ``alphas`` (None: the default grid, from the same eigenvalues),
    the grid, and the factorisation they came from."""
    _check_finite_moments(moments, targets=True)
    std = _Standardised(moments, fit_intercept)
    lam, V = std.eigh()
    if alphas is None:
        alphas = _grid_below(lam[-1])
    Q = V.T @ std.cross
    q2 = np.einsum("ij,ij->i", Q, Q)
    n, yy = moments.n, moments.s_yy.sum()
    if not fit_intercept:
        yy += n * np.sum(moments.mean_y ** 2)
    # directions below float64's resolution carry no signal and no degrees of
    # freedom; the residual at alpha = 0 is formed once, so that an interpolating
    # fit (more features than rows) does not score 0 by cancellation
    kept = lam > lam[-1] * lam.size * np.finfo(np.float64).eps
    lam_k, q2_k = lam[kept], q2[kept]
    rss0 = max(yy - np.sum(q2_k / lam_k), 0.0)
    scores = np.empty(alphas.shape[0])
    for i, alpha in enumerate(alphas):
        shrunk = alpha / (lam_k + alpha)
        rss = rss0 + np.sum(q2_k / lam_k * shrunk * shrunk)
        dof_left = n - fit_intercept - lam_k.size + np.sum(shrunk)
        scores[i] = rss / n / (dof_left / n) ** 2 if dof_left > 0 else np.inf
    return scores, alphas, (std, lam, V, Q, kept)


def _folds_of(sums_or_folds):
    if isinstance(sums_or_folds, ReadoutSums):
        return sums_or_folds.fold_moments()
    return sums_or_folds


def cv_curve(sums, alphas, fit_intercept=True):
    """Blocked cross-validation error of every alpha, from per-block sums alone.

    Fold k holds out the blocks ``b % N_FOLDS == k``; the readout is solved
    on the others (standardised by their own moments) for every alpha from
    one eigendecomposition, and its squared error on the held-out rows is a
    closed form in their moments::

        sum_i |y_i - ybar - (h_i - hbar) w|^2
            = tr S_yy - 2 tr(w^T S_hy) + tr(w^T S_hh w) + n_k |d_y - d_h w|^2

    where ``S`` are the held-out rows' centred sums and ``d`` the difference
    of their means from the training means (from 0 without an intercept).
    Returns the mean squared error per row, summed over outputs.
    """
    folds = _folds_of(sums)
    errors = np.zeros(alphas.shape[0])
    n_held = 0
    for held, train in folds:
        _check_finite_moments(train, targets=True)
        std = _Standardised(train, fit_intercept)
        lam, V = std.eigh()
        # directions below float64's resolution carry only the rounding of the sums:
        # their weights would be noise divided by alpha, and the closed form below
        # would cancel it away into a spuriously small error
        kept = lam > lam[-1] * lam.size * np.finfo(np.float64).eps
        lam, V = lam[kept], V[:, kept]
        DV = V / std.scale[:, None]                     # D V: standardised to raw coefficients
        Q = V.T @ std.cross                             # (p, k)
        B = DV.T @ held.gram() @ DV                     # V^T D S_hh D V
        C = DV.T @ held.s_hy                            # V^T D S_hy
        centre = fit_intercept
        e = (held.mean_h - centre * train.mean_h) @ DV  # d_h^T D V
        d_y = held.mean_y - centre * train.mean_y
        for i, alpha in enumerate(alphas):
            PQ = Q / (lam + alpha)[:, None]             # Phi Q
            sq = (held.s_yy.sum() - 2 * np.sum(PQ * C) + np.sum(PQ * (B @ PQ))
                  + held.n * np.sum((d_y - e @ PQ) ** 2))
            errors[i] += max(sq, 0.0)
        n_held += held.n
    return errors / n_held


def held_out_error(sums, alpha, fit_intercept=True):
    """Blocked cross-validation error at one ``alpha`` (a Cholesky solve per fold)."""
    error, n_held = 0.0, 0
    for held, train in _folds_of(sums):
        coef, intercept, _, _ = solve_fixed(train, alpha, fit_intercept)
        d_y = held.mean_y - intercept - held.mean_h @ coef
        error += max(held.s_yy.sum() - 2 * np.sum(coef * held.s_hy)
                     + np.sum(coef * (held.gram() @ coef)) + held.n * np.sum(d_y ** 2), 0.0)
        n_held += held.n
    return error / n_held if n_held else np.nan


def _warn_if_gcv_misleads(sums, folds, alpha, gcv_score, fit_intercept):
    """Warn when held-out blocks err far more than GCV predicts: rows not exchangeable.

    GCV estimates the error on a new row drawn like the training rows. The
    steps of one series are not: the start-up transient from the zero state
    and correlated neighbours let a tiny penalty fit the training rows while
    a new stretch of the series, predicted from the zero state, fails by
    orders of magnitude. Held-out contiguous blocks see this; GCV cannot.
    """
    if not folds or not np.isfinite(gcv_score):
        return
    blocked = held_out_error(folds, alpha, fit_intercept)
    spread = sums.total.s_yy.sum() / sums.n
    if blocked > 10 * gcv_score and blocked > 1e-3 * spread:
        warnings.warn(
            f"alpha='gcv' chose {alpha:.3g}, where GCV expects a squared error of "
            f"{gcv_score:.3g} per row, but held-out contiguous blocks of the rows err "
            f"{blocked:.3g} ({blocked / spread:.3g} times the targets' variance): the rows "
            "are not exchangeable (a start-up transient, correlated steps). Use alpha='cv', "
            "which holds out blocks.", ReadoutWarning, stacklevel=4)


def check_alpha(alpha, alphas):
    """Validate ``alpha`` (a positive float, 'gcv' or 'cv') and ``alphas`` (None or a grid)."""
    if isinstance(alpha, str):
        if alpha not in ("gcv", "cv"):
            raise ValueError(f"alpha must be a positive float, 'gcv' or 'cv'; got {alpha!r}.")
    elif not (isinstance(alpha, Real) and np.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha must be a positive, finite float (or 'gcv' or 'cv'); got "
                         f"{alpha!r}. A tiny alpha such as 1e-10 is the nearest to none.")
    if alphas is None or not isinstance(alpha, str):
        return None
    grid = check_array(alphas, ensure_2d=False, ensure_all_finite=False, dtype=np.float64,
                       input_name="alphas", ensure_min_samples=0)
    if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid <= 0):
        raise ValueError(f"alphas must be a non-empty 1D array of positive, finite values; "
                         f"got {alphas!r}.")
    return np.sort(grid)


class ReadoutSolution:
    """A solved readout: coefficients, intercept, the penalty and how it was chosen."""

    def __init__(self, coef, intercept, alpha, alphas=None, scores=None, method=None):
        self.coef, self.intercept, self.alpha = coef, intercept, alpha
        self.alphas, self.scores, self.method = alphas, scores, method


#: scores this close to the minimum are ties (a plateau, as below the smallest
#: eigenvalue of a Gram matrix with more features than rows)
_TIE = 1e-6


def _most_penalised_minimum(scores):
    """Index of the largest alpha whose score ties the minimum (the grid is ascending)."""
    finite = np.where(np.isfinite(scores), scores, np.inf)
    low = finite.min()
    return int(np.flatnonzero(finite <= low + _TIE * abs(low))[-1])


def solve_readout(sums, alpha, alphas=None, fit_intercept=True):
    """Solve the readout of ``sums`` at ``alpha`` (a float, 'gcv' or 'cv').

    Warns (:class:`ReadoutWarning`) when the chosen alpha sits on the edge of
    its grid, or when a fixed alpha leaves the standardised Gram matrix too
    ill-conditioned for float64, and says what to change.
    """
    grid = check_alpha(alpha, alphas)
    moments = sums.total
    if not isinstance(alpha, str):
        coef, intercept, rcond, used = solve_fixed(moments, float(alpha), fit_intercept)
        if used > alpha:
            warnings.warn(
                f"The readout is ill-conditioned at alpha={alpha:g} (reciprocal condition "
                f"number {rcond:.1e} after standardising the features): float64 does not "
                f"resolve it, so the readout was solved with alpha={used:.2g}, the least "
                "penalty it resolves. Raise alpha, or let alpha='cv' choose it.",
                ReadoutWarning, stacklevel=3)
        return ReadoutSolution(coef, intercept, float(alpha))
    user_grid = grid is not None
    _check_finite_moments(moments, targets=True)
    if alpha == "cv" and not sums.folds:
        raise ValueError("alpha='cv' needs the per-block sums, which are kept only when "
                         "alpha is 'cv' or 'gcv' at the first fit; refit with it set.")
    folds = sums.fold_moments() if sums.folds else []
    # rows in a single block (a first chunk of one sequence, say) cannot be
    # cross-validated: GCV, the rotation-invariant leave-one-out, stands in
    method = "gcv" if alpha == "gcv" or not folds else "cv"
    if method == "gcv":
        scores, grid, (std, lam, V, Q, kept) = _gcv(moments, grid, fit_intercept)
    else:
        if grid is None:
            grid = alpha_grid(moments, fit_intercept)
        scores = cv_curve(folds, grid, fit_intercept)
    finite = np.isfinite(scores)
    best = _most_penalised_minimum(scores) if finite.any() else grid.size - 1
    chosen = float(grid[best])
    # the low edge is the dangerous one (a penalty below float64's resolution, or
    # GCV misled by correlated rows); at the top of the default grid every
    # direction is shrunk away already: the readout predicts about the mean, and
    # a wider grid would change nothing
    low, high = best == 0, best == grid.size - 1
    if finite.sum() > 1 and (low or (high and user_grid)):
        edge = "smallest" if low else "largest"
        what = "the alphas you passed" if user_grid else "its grid (relative to the features)"
        advice = (f"Pass alphas reaching further {'down' if low else 'up'}." if user_grid else
                  "The features are collinear to rounding level and a smaller penalty is not "
                  "resolved in float64; the readout may not generalise (on one series, "
                  "alpha='cv' holds out blocks of it).")
        warnings.warn(
            f"alpha={alpha!r} chose {chosen:.3g}, the {edge} value of {what}: the best penalty "
            f"may lie {'below' if low else 'above'} it. {advice}", ReadoutWarning, stacklevel=3)
    if method == "gcv":
        # the directions GCV left out (below float64's resolution) stay out
        beta = V[:, kept] @ (Q[kept] / (lam[kept] + chosen)[:, None])
        coef, intercept = std.weights(beta)
        if alpha == "gcv":
            _warn_if_gcv_misleads(sums, folds, chosen, scores[best], fit_intercept)
    else:
        coef, intercept, _, _ = solve_fixed(moments, chosen, fit_intercept)
    solution = ReadoutSolution(coef, intercept, chosen, grid, scores)
    solution.method = method
    return solution


# -- fit and partial_fit -------------------------------------------------------------
class ReadoutMixin:
    """The all-or-nothing ``fit`` / ``partial_fit`` of a readout family.

    A family (a fixed random layer whose features feed a linear readout)
    supplies one hook, made of these methods, and nothing else reaches inside
    it (``skrnn.dask`` drives the same hook):

    ``_readout_prepare(X, y, *, reset, classes) -> batch``
        Validate the input and encode the targets (on ``reset``, draw the
        fixed layer and set what ``fit`` resets). Returns what
        ``_readout_rows`` needs.
    ``_readout_shape(batch) -> (n_features, n_outputs)``
        Width of the readout rows and of the targets.
    ``_readout_new_stream(position=0) -> dict``
        What carries over from one call to the next, starting at
        ``position``: at least ``"position"`` (the next row's position, see
        :class:`ReadoutSums`) and ``"n_seen"`` (input rows seen).
    ``_readout_rows(batch, sums, stream)``
        Run the fixed layer over the batch and add its readout rows to
        ``sums`` (``sums.reserve`` first, then ``sums.add`` with positions),
        or, with ``sums=None``, only advance ``stream``. Updates ``stream``.
    ``_readout_chained(X) -> bool``
        Whether consecutive blocks of ``X`` (split along the first axis)
        carry state from one to the next (a series), or are independent.
    ``_readout_dtype``
        The dtype of the readout's weights (that of the data seen by ``fit``).
    ``_readout_leaf_size()`` (optional)
        Positions per leaf of the sums (see :class:`ReadoutSums`), for a
        family whose runs over the data are cut in windows it can align to
        leaves.
    ``_check_distributed(X)``
        Raise ``ValueError`` for what cannot be fitted block by block.

    The estimator has ``alpha`` and ``alphas`` parameters; the mixin gives it
    ``output_weights_``, ``output_bias_``, ``alpha_`` (and ``alphas_`` with
    ``gcv_scores_`` or ``cv_scores_`` when the penalty is chosen).
    """

    #: partial_fit leaves the solve to the first use of the readout
    _solve_lazily = False

    def _readout_leaf_size(self):
        """Positions per leaf of the sums (None: :func:`leaf_size_for` the features)."""
        return None

    def _readout_fit(self, X, y, *, incremental, classes=None):
        """fit (reset) or partial_fit: the model changes only if everything succeeds."""
        reset = not incremental or not hasattr(self, "_readout_sums")
        check_alpha(self.alpha, self.alphas)
        saved = self.__dict__.copy()
        try:
            batch = self._readout_prepare(X, y, reset=reset, classes=classes)
            if reset:
                sums = ReadoutSums(*self._readout_shape(batch), folds=isinstance(self.alpha, str),
                                   leaf_size=self._readout_leaf_size())
                stream = self._readout_new_stream()
            else:
                sums = self._readout_sums.copy()
                stream = copy_stream(self._readout_stream)
            self._readout_rows(batch, sums, stream)
            self._readout_finish(sums, stream, allow_empty=incremental,
                                 solve=not (incremental and self._solve_lazily))
        # a failed call, or one interrupted by Ctrl-C (the sums would be half
        # updated), leaves a fitted model as it was
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise
        return self

    def _readout_finish(self, sums, stream, *, allow_empty=False, solve=True):
        """Keep ``sums`` and ``stream``, and solve the readout (or, with ``solve=False``,
        when it is first needed: streaming many small chunks then pays no O(p^3)
        solve per chunk)."""
        if sums.n == 0 and not allow_empty:
            washout = getattr(self, "n_washout", 0)
            raise ValueError(
                "No readout rows to train on: every row seen so far "
                + (f"is inside the washout (n_washout={washout}) or " if washout else "")
                + "has a NaN target. Pass more rows"
                + (", lower n_washout" if washout else "") + ", or targets that are not NaN.")
        if self.alpha == "cv" and not sums.folds:
            raise ValueError("alpha='cv' needs the per-block sums, which are kept only when "
                             "alpha is 'cv' or 'gcv' at the first fit; refit with it set.")
        self._readout_sums = sums
        self._readout_stream = stream
        # what the solve depends on, as of this call (a lazy solve may come later)
        self._readout_params = {"alpha": self.alpha, "alphas": self.alphas,
                                "fit_intercept": getattr(self, "fit_intercept", True),
                                "n_jobs": getattr(self, "n_jobs", None)}
        # filled in place on first use, so that predicting leaves __dict__ as it was
        self._readout_cache = []
        if solve:
            self._readout_solution()

    def _readout_solution(self):
        """The solved readout (solved now if it has not been since the last fit)."""
        if not self._readout_cache:
            sums, params = self._readout_sums, self._readout_params
            if sums.n == 0:
                # a stream still inside its washout: no readout yet, outputs 0
                solution = ReadoutSolution(np.zeros((sums.n_features, sums.n_outputs)),
                                           np.zeros(sums.n_outputs),
                                           np.nan if isinstance(params["alpha"], str)
                                           else float(params["alpha"]))
            else:
                with limit_threads(params["n_jobs"]):
                    solution = solve_readout(sums, params["alpha"], params["alphas"],
                                             params["fit_intercept"])
            dtype = self._readout_dtype
            solution.coef = np.ascontiguousarray(solution.coef, dtype=dtype)
            solution.intercept = np.asarray(solution.intercept, dtype=dtype)
            self._readout_cache.append(solution)
        return self._readout_cache[0]

    def _solved(self, name):
        if "_readout_sums" not in self.__dict__:
            raise AttributeError(name)
        return self._readout_solution()

    @property
    def output_weights_(self):
        return self._solved("output_weights_").coef

    @property
    def output_bias_(self):
        return self._solved("output_bias_").intercept

    @property
    def alpha_(self):
        return self._solved("alpha_").alpha

    @property
    def alphas_(self):
        solution = self._solved("alphas_")
        if solution.alphas is None:
            raise AttributeError("alphas_ exists only when alpha is 'gcv' or 'cv'")
        return solution.alphas

    @property
    def gcv_scores_(self):
        solution = self._solved("gcv_scores_")
        if solution.method != "gcv":
            raise AttributeError("gcv_scores_ exists only with alpha='gcv'")
        return solution.scores

    @property
    def cv_scores_(self):
        solution = self._solved("cv_scores_")
        if solution.method != "cv":
            raise AttributeError("cv_scores_ exists only with alpha='cv'")
        return solution.scores


def copy_stream(stream):
    """A copy of a stream dict whose arrays the next call may change in place."""
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in stream.items()}
