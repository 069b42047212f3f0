"""The readout's solve: standardised ridge, a checked factorisation, the penalty choice."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from numbers import Real

import numpy as np
import scipy.linalg
from scipy.linalg import blas, lapack
from sklearn.utils.validation import check_array

from ._sums import ReadoutSums

#: the searched grid, relative to the largest eigenvalue of the standardised Gram
#: matrix: from where a penalty stops being resolved by float64 (a hundred
#: rounding errors of that eigenvalue) to where every direction is shrunk away
GRID_EXPONENTS = np.linspace(-14, 1, 61)
GRID_RELATIVE = 10.0 ** GRID_EXPONENTS

#: reciprocal condition number at or below which a fixed-alpha solve is not
#: resolved in float64: its weights depend on the rounding of the sums, and a
#: warning says so
_RCOND_WARN = np.finfo(np.float64).eps


class ReadoutWarning(UserWarning):
    """A readout whose penalty or conditioning makes the result doubtful.

    Raised by the echo state and RNN-ELM estimators (and
    :func:`skrnn.dask.fit_distributed`) when the penalty chosen sits on the
    edge of its grid, when held-out blocks contradict generalised
    cross-validation, or when the Gram matrix is too ill-conditioned for its
    dtype; the message says what to change. Public as
    ``skrnn.exceptions.ReadoutWarning``.

    Examples
    --------
    >>> import warnings
    >>> from skrnn.exceptions import ReadoutWarning
    >>> issubclass(ReadoutWarning, UserWarning)
    True
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", ReadoutWarning)   # silence these only
    """


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
        n = moments.n if moments.n > 0 else 1   # a weight total may be below 1
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
    condition number. A factorisation that succeeds is used as it is, even
    below float64's resolution: the sums are the same bits however the rows
    were chunked, so the readout is reproducible, and a tiny penalty can
    still forecast best (the directions it leaves unresolved carry little
    of the targets). One that fails (not positive definite in float64)
    is repeated with ``alpha`` raised to the least penalty that float64
    resolves next to the matrix's norm, ``n_features * eps * norm``.

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
    if info != 0:
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
    # one power of ten per exponent (10.0 ** -1 is 0.1; 0.1 * 1.0 need not be)
    return 10.0 ** (GRID_EXPONENTS + np.ceil(np.log10(max(top, 1.0))))


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
                f"The readout is ill-conditioned at alpha={alpha:g}: its standardised Gram "
                "matrix is not positive definite in float64, so it was solved with "
                f"alpha={used:.2g}, the least penalty float64 resolves. Raise alpha, or let "
                "alpha='cv' choose it.", ReadoutWarning, stacklevel=3)
        elif rcond <= _RCOND_WARN:
            warnings.warn(
                f"The readout is ill-conditioned at alpha={alpha:g} (reciprocal condition "
                f"number {rcond:.1e} after standardising the features): below float64's "
                "resolution, its weights depend on the rounding of the sums (fit and "
                "partial_fit agree bit for bit; sums merged in another order, as "
                "skrnn.dask.fit_distributed does, may not). Raise alpha, or let alpha='cv' "
                "choose it.", ReadoutWarning, stacklevel=3)
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
    if method == "gcv" and not finite.all() and moments.n != moments.n_rows:
        # rows alone always leave GCV degrees of freedom; a weight total below the
        # readout's rank (weights normalised to sum to 1, say) does not
        warnings.warn(
            f"alpha={alpha!r}: GCV counts the weight total sum(sample_weight)="
            f"{moments.n:.3g} as the number of rows (weights are frequencies), and it is "
            "below the readout's degrees of freedom, so GCV could score "
            + (f"only penalties of {float(grid[finite][0]):.3g} and above" if finite.any()
               else f"no penalty, and {chosen:.3g}, the largest, was taken")
            + ". Scale the weights to sum to the number of rows "
            f"({moments.n_rows}), or use alpha='cv'.",
            ReadoutWarning, stacklevel=3)
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
