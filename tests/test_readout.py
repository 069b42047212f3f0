"""The shared ridge readout engine (skrnn._readout) against NumPy and scikit-learn references."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import itertools
import warnings
from fractions import Fraction

import numpy as np
import pytest
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skrnn import EchoStateRegressor, RNNELMRegressor
from skrnn._readout import (
    N_FOLDS,
    Moments,
    ReadoutSums,
    ReadoutWarning,
    alpha_grid,
    check_alpha,
    cv_curve,
    gcv_curve,
    held_out_error,
    solve_fixed,
    solve_readout,
)

from ._reference import esn_states


# -- helpers ---------------------------------------------------------------------------
def _rows(n, p, k=1, seed=0, noise=0.5):
    """Features of uneven scales and means, and targets linear in them plus noise."""
    rng = np.random.RandomState(seed)
    H = rng.randn(n, p) * rng.uniform(0.5, 3.0, p) + rng.uniform(-2.0, 2.0, p)
    Y = H @ rng.randn(p, k) + noise * rng.randn(n, k)
    return H, Y


def _assert_close(actual, expected, rtol):
    """Equal to ``rtol`` of the largest entry (centred sums have entries near 0)."""
    expected = np.asarray(expected, dtype=np.float64)
    scale = np.abs(expected).max() if expected.size else 0.0
    np.testing.assert_allclose(actual, expected, rtol=0, atol=rtol * max(scale, 1e-300))


def _assert_moments_equal(actual, expected, rtol=1e-12):
    assert actual.n == expected.n
    _assert_close(actual.mean_h, expected.mean_h, rtol)
    _assert_close(actual.mean_y, expected.mean_y, rtol)
    _assert_close(actual.gram(), expected.gram(), rtol)
    _assert_close(actual.s_hy, expected.s_hy, rtol)
    _assert_close(actual.s_yy, expected.s_yy, rtol)


def _assert_sums_equal(actual, expected, rtol=1e-12):
    assert actual.block_size == expected.block_size
    assert actual.n_positions == expected.n_positions
    assert sorted(actual.blocks) == sorted(expected.blocks)
    for b in expected.blocks:
        _assert_moments_equal(actual.blocks[b], expected.blocks[b], rtol)
    _assert_moments_equal(actual.total, expected.total, rtol)


def _pipeline_ridge(H, Y, alpha, fit_intercept=True):
    """(coef (p, k), intercept (k,)) in raw units: StandardScaler + Ridge, or Ridge on H / std.

    Without an intercept the features are divided by the standard deviation of
    the centred data (StandardScaler's scale_: 1 for a constant feature) but not centred.
    """
    if fit_intercept:
        pipe = make_pipeline(StandardScaler(), Ridge(alpha=alpha)).fit(H, Y)
        scaler, ridge = pipe[0], pipe[1]
        coef = np.atleast_2d(ridge.coef_).T / scaler.scale_[:, None]
        intercept = np.atleast_1d(ridge.intercept_) - (scaler.mean_ @ coef)
        return coef, intercept
    scale = StandardScaler().fit(H).scale_
    ridge = Ridge(alpha=alpha, fit_intercept=False).fit(H / scale, Y)
    return np.atleast_2d(ridge.coef_).T / scale[:, None], np.zeros(Y.shape[1])


def _standardised(H, fit_intercept=True):
    """Standardised (and, with an intercept, centred) features, as the engine's ridge sees them.

    StandardScaler's scale_ is 1 for a constant feature (whose computed standard deviation
    is rounding noise, not 0).
    """
    return ((H - H.mean(axis=0)) if fit_intercept else H) / StandardScaler().fit(H).scale_


def _explicit_gcv(H, Y, alphas, fit_intercept=True):
    """GCV from the hat matrix S = Z (Z^T Z + alpha I)^-1 Z^T of the standardised features Z.

    score = ||Y - S Y||^2 / n / (1 - df / n)^2, df = tr S (+ 1 for the intercept), summed
    over outputs. S is taken through the SVD Z = U diag(s) V^T, S = U diag(s^2 / (s^2 +
    alpha)) U^T, so that n - df and the residual are sums of positive terms: accurate even
    where a tiny alpha interpolates the rows (more features than rows). Singular values at
    rounding level are zeros (centring leaves at most n - 1 nonzero ones).
    """
    n = H.shape[0]
    Z = _standardised(H, fit_intercept)
    Yc = Y - Y.mean(axis=0) if fit_intercept else Y
    U, sv, _ = np.linalg.svd(Z, full_matrices=False)
    nonzero = sv > sv[0] * max(Z.shape) * np.finfo(np.float64).eps
    U, sv = U[:, nonzero], sv[nonzero]
    UY = U.T @ Yc
    least_squares_rss = np.sum((Yc - U @ UY) ** 2)
    scores = []
    for alpha in alphas:
        shrink = alpha / (sv ** 2 + alpha)  # 1 - the eigenvalues of S
        rss = least_squares_rss + np.sum((shrink[:, None] * UY) ** 2)
        n_minus_df = n - fit_intercept - sv.size + shrink.sum()
        scores.append(rss / n / (n_minus_df / n) ** 2)
    return np.array(scores)


def _hat_matrix_gcv(H, Y, alphas, fit_intercept=True):
    """The same GCV, literally: S formed, df = trace(S) (+ 1)."""
    n = H.shape[0]
    Z = _standardised(H, fit_intercept)
    Yc = Y - Y.mean(axis=0) if fit_intercept else Y
    scores = []
    for alpha in alphas:
        S = Z @ np.linalg.solve(Z.T @ Z + alpha * np.eye(Z.shape[1]), Z.T)
        df = np.trace(S) + fit_intercept
        scores.append(np.sum((Yc - S @ Yc) ** 2) / n / (1 - df / n) ** 2)
    return np.array(scores)


def _explicit_blocked_cv(H, Y, alphas, block_size, fit_intercept=True, positions=None):
    """Blocked K-fold: fold k holds out the rows whose block (position // block_size) is k
    modulo N_FOLDS, StandardScaler + Ridge trained on the others; the squared error summed
    over held-out rows and outputs, per held-out row."""
    block = (np.arange(len(H)) if positions is None else positions) // block_size
    errors, n_held = np.zeros(len(alphas)), 0
    for k in range(N_FOLDS):
        held = block % N_FOLDS == k
        if not held.any() or held.all():
            continue
        n_held += held.sum()
        for i, alpha in enumerate(alphas):
            coef, intercept = _pipeline_ridge(H[~held], Y[~held], alpha, fit_intercept)
            errors[i] += np.sum((Y[held] - H[held] @ coef - intercept) ** 2)
    return errors / n_held


def _folds_sums(H, Y, positions=None):
    positions = np.arange(H.shape[0]) if positions is None else positions
    sums = ReadoutSums(H.shape[1], Y.shape[1], folds=True).reserve(positions.max() + 1)
    return sums.add(H, Y, positions)


# -- 1. centred moments ---------------------------------------------------------------
@pytest.mark.parametrize("chunk", [None, 7, 1])
@pytest.mark.parametrize("as_blocks", [False, True], ids=["array", "column-blocks"])
def test_moments_add_equals_numpy_centred_moments(chunk, as_blocks):
    H, Y = _rows(60, 5, k=2)
    H[:, 1] += 50.0  # a large mean: centred sums must not carry it
    moments = Moments(5, 2)
    for rows in np.array_split(np.arange(60), 1 if chunk is None else 60 // chunk):
        Hr = H[rows]
        moments.add([Hr[:, :2], Hr[:, 2:].astype(np.float32)] if as_blocks else Hr, Y[rows])
    if as_blocks:  # the engine keeps float64 sums of the float32 block's values
        H = np.hstack([H[:, :2], H[:, 2:].astype(np.float32).astype(np.float64)])
    Hc, Yc = H - H.mean(axis=0), Y - Y.mean(axis=0)
    assert moments.n == 60
    _assert_close(moments.mean_h, H.mean(axis=0), 1e-12)
    _assert_close(moments.mean_y, Y.mean(axis=0), 1e-12)
    _assert_close(moments.gram(), Hc.T @ Hc, 1e-12)
    _assert_close(np.tril(moments.s_hh), np.tril(Hc.T @ Hc), 1e-12)
    np.testing.assert_array_equal(moments.gram(), moments.gram().T)
    _assert_close(moments.s_hy, Hc.T @ Yc, 1e-12)
    _assert_close(moments.s_yy, np.sum(Yc ** 2, axis=0), 1e-12)


def test_moments_add_of_no_rows_and_copy_are_independent():
    H, Y = _rows(20, 3)
    moments = Moments(3, 1).add(H, Y)
    before = moments.copy()
    moments.add(H[:0], Y[:0])
    _assert_moments_equal(moments, before, rtol=0)
    # a copy shares no array with its original
    moments.add(H[:5] + 1.0, Y[:5])
    assert before.n == 20
    _assert_moments_equal(before, Moments(3, 1).add(H, Y), rtol=0)


# -- 2. merges in any order -------------------------------------------------------------
def test_moments_merge_in_every_order_equals_one_pass():
    H, Y = _rows(103, 6, k=2, seed=1)
    H[:, 0] += 1e3
    whole = Moments(6, 2).add(H, Y)
    chunks = [slice(0, 9), slice(9, 50), slice(50, 51), slice(51, 103)]
    parts = [Moments(6, 2).add(H[c], Y[c]) for c in chunks]
    saved = [p.copy() for p in parts]
    for order in itertools.permutations(range(4)):
        merged = Moments(6, 2)  # from empty: the first merge copies, never aliases
        for i in order:
            merged.merge(parts[i])
        _assert_moments_equal(merged, whole)
    tree = parts[0].copy().merge(parts[1]).merge(parts[2].copy().merge(parts[3]))
    _assert_moments_equal(tree, whole)
    # merging leaves the merged-in moments as they were
    for part, before in zip(parts, saved):
        _assert_moments_equal(part, before, rtol=0)
    # and adding to a merge (of one part into empty) does not reach that part
    merged = Moments(6, 2).merge(parts[0])
    merged.add(H[60:], Y[60:])
    _assert_moments_equal(parts[0], saved[0], rtol=0)


def _chunk_bounds(n, cuts):
    edges = [0, *cuts, n]
    return [(a, b) for a, b in zip(edges[:-1], edges[1:])]


@pytest.mark.parametrize("cuts", [[3, 40, 41, 97], [1, 2, 75], [60], [149]])
def test_fold_sums_do_not_depend_on_chunking_or_merge_order(cuts):
    n = 150
    H, Y = _rows(n, 4, k=2, seed=2)
    positions = np.arange(n)
    whole = _folds_sums(H, Y)
    assert whole.block_size == 16 and sorted(whole.blocks) == list(range(10))
    bounds = _chunk_bounds(n, cuts)

    # partial_fit: one sums object, reserve called chunk by chunk; the early chunks
    # are spread over more blocks than the stream ends with, coarsened later
    streamed = ReadoutSums(4, 2, folds=True)
    for a, b in bounds:
        streamed.reserve(b).add(H[a:b], Y[a:b], positions[a:b])
        assert len(streamed.blocks) <= 10
    _assert_sums_equal(streamed, whole)

    # Dask: a sums object per block, reserved for the whole stream up front, merged in
    # every order; and ones that only reserved up to their own end (coarsened on merge)
    for up_front in (True, False):
        parts = [ReadoutSums(4, 2, folds=True).reserve(n if up_front else b)
                 .add(H[a:b], Y[a:b], positions[a:b]) for a, b in bounds]
        saved = [p.copy() for p in parts]
        for order in itertools.permutations(range(len(parts))):
            merged = ReadoutSums(4, 2, folds=True)
            for i in order:
                merged.merge(parts[i])
            _assert_sums_equal(merged, whole)
        for part, before in zip(parts, saved):
            _assert_sums_equal(part, before, rtol=0)
        tree = [p.copy() for p in parts]
        while len(tree) > 1:
            tree = [tree[i].copy().merge(tree[i + 1]) if i + 1 < len(tree) else tree[i]
                    for i in range(0, len(tree), 2)]
        _assert_sums_equal(tree[0], whole)


def test_fold_sums_blocks_hold_the_rows_of_their_positions():
    n = 150
    H, Y = _rows(n, 3, seed=3)
    sums = _folds_sums(H, Y)
    for b, moments in sums.blocks.items():
        rows = np.arange(n) // sums.block_size == b
        _assert_moments_equal(moments, Moments(3, 1).add(H[rows], Y[rows]))
    folds = sums.fold_moments()
    assert len(folds) == N_FOLDS
    for k, (held, train) in enumerate(folds):
        rows = (np.arange(n) // sums.block_size) % N_FOLDS == k
        _assert_moments_equal(held, Moments(3, 1).add(H[rows], Y[rows]))
        _assert_moments_equal(train, Moments(3, 1).add(H[~rows], Y[~rows]))


def test_sums_with_and_without_folds_do_not_merge():
    H, Y = _rows(20, 2)
    with_folds, without = _folds_sums(H, Y), ReadoutSums(2, 1).add(H, Y)
    with pytest.raises(ValueError, match="with and without per-block sums"):
        with_folds.merge(without)
    with pytest.raises(ValueError, match="with and without per-block sums"):
        without.merge(with_folds)


# -- 3. bias-dominated features ---------------------------------------------------------
def test_centred_sums_keep_the_spread_of_a_bias_dominated_feature():
    rng = np.random.RandomState(0)
    n = 200
    H = np.column_stack([1e6 + 1e-3 * rng.randn(n), rng.randn(n)])
    Y = rng.randn(n, 1)
    # the exact variance of the stored float64 values, in rationals
    values = [Fraction(v) for v in H[:, 0]]
    mean = sum(values) / n
    exact = float(sum((v - mean) ** 2 for v in values))
    assert 0.5e-6 * n < exact < 2e-6 * n

    # one pass: the rows centred about their own mean, then squared: no digit lost
    one_pass = Moments(2, 1).add(H, Y)
    assert abs(one_pass.gram()[0, 0] - exact) <= 1e-9 * exact
    # merged chunks (partial_fit, the blocks of alpha='cv', Dask): the means of the chunks
    # are float64 numbers near 1e6, so their differences carry an error of eps |mean|,
    # an error relative to the variance of eps |mean| / spread (1e9 here), not its square
    kappa = np.finfo(np.float64).eps * 1e6 / 1e-3
    merged, added = Moments(2, 1), Moments(2, 1)
    for rows in np.array_split(np.arange(n), 7):
        merged.merge(Moments(2, 1).add(H[rows], Y[rows]))
        added.add(H[rows], Y[rows])
    for moments in (merged, added):
        assert abs(moments.gram()[0, 0] - exact) <= 4 * kappa * exact

    # what raw sums would give: H^T H - n mean mean^T loses every digit of the spread
    raw = H[:, 0] @ H[:, 0] - n * H[:, 0].mean() ** 2
    assert abs(raw - exact) > 1e-2 * exact

    # and the readout still sees that feature: y = 1000 (h0 - 1e6) + noise
    Y = 1e3 * (H[:, :1] - 1e6) + 0.1 * rng.randn(n, 1)
    coef, intercept, _, _ = solve_fixed(Moments(2, 1).add(H, Y), 1e-6)
    ref_coef, ref_intercept = _pipeline_ridge(H, Y, 1e-6)
    _assert_close(coef, ref_coef, 1e-6)
    assert abs(coef[0, 0] - 1e3) < 50.0


# -- 4. the fixed-alpha solve -----------------------------------------------------------
@pytest.mark.parametrize("alpha", [1e-3, 1.0, 100.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_solve_fixed_equals_standard_scaler_ridge(alpha, fit_intercept):
    H, Y = _rows(80, 6, k=2, seed=4)
    H_new, _ = _rows(30, 6, k=2, seed=5)
    coef, intercept, rcond, _ = solve_fixed(Moments(6, 2).add(H, Y), alpha, fit_intercept)
    ref_coef, ref_intercept = _pipeline_ridge(H, Y, alpha, fit_intercept)
    assert coef.shape == (6, 2) and intercept.shape == (2,)
    assert 0 < rcond <= 1
    if not fit_intercept:
        np.testing.assert_array_equal(intercept, 0.0)
    np.testing.assert_allclose(H_new @ coef + intercept, H_new @ ref_coef + ref_intercept,
                               rtol=1e-8, atol=1e-10)
    _assert_close(coef, ref_coef, 1e-8)


def test_solve_fixed_differs_with_and_without_intercept():
    """The test above would pass for a solve that ignored fit_intercept if the data allowed."""
    H, Y = _rows(80, 3, seed=6)
    Y += 5.0
    moments = Moments(3, 1).add(H, Y)
    with_b, b, _, _ = solve_fixed(moments, 1.0, True)
    without, _, _, _ = solve_fixed(moments, 1.0, False)
    assert abs(b[0]) > 1.0
    assert np.abs(with_b - without).max() > 1e-2


# -- 5. GCV ---------------------------------------------------------------------------
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_gcv_curve_equals_the_hat_matrix_formula(fit_intercept):
    H, Y = _rows(60, 5, k=2, seed=7, noise=2.0)
    alphas = np.logspace(-3, 3, 13)
    scores, _ = gcv_curve(Moments(5, 2).add(H, Y), alphas, fit_intercept)
    np.testing.assert_allclose(scores, _hat_matrix_gcv(H, Y, alphas, fit_intercept), rtol=1e-9)
    np.testing.assert_allclose(scores, _explicit_gcv(H, Y, alphas, fit_intercept), rtol=1e-9)


def test_gcv_choice_is_the_argmin_and_solves_at_it():
    H, Y = _rows(60, 5, k=2, seed=7, noise=2.0)
    alphas = np.logspace(-3, 3, 13)
    explicit = _explicit_gcv(H, Y, alphas)
    assert 0 < np.argmin(explicit) < len(alphas) - 1  # an interior choice: no warning
    sums = ReadoutSums(5, 2).add(H, Y)
    solution = solve_readout(sums, "gcv", alphas[::-1])  # the grid is sorted for us
    np.testing.assert_array_equal(solution.alphas, alphas)
    assert solution.alpha == alphas[np.argmin(explicit)]
    ref_coef, ref_intercept = _pipeline_ridge(H, Y, solution.alpha)
    _assert_close(solution.coef, ref_coef, 1e-8)
    _assert_close(solution.intercept, ref_intercept, 1e-8)


def test_default_grid_is_relative_to_the_standardised_spectrum():
    H, Y = _rows(60, 5, seed=8)
    grid = alpha_grid(Moments(5, 1).add(H, Y))
    top = np.linalg.eigvalsh(_standardised(H).T @ _standardised(H))[-1]
    assert grid[0] < 1e-10 * top and grid[-1] >= top
    # the same grid whatever the features' units
    scaled = alpha_grid(Moments(5, 1).add(H * np.array([1e-4, 1, 1e3, 7, 1e6]), Y))
    np.testing.assert_allclose(scaled, grid, rtol=1e-12)


# -- 6. blocked cross-validation ---------------------------------------------------------
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_cv_curve_equals_explicit_blocked_k_fold(fit_intercept):
    n = 130
    H, Y = _rows(n, 4, k=2, seed=9, noise=1.5)
    sums = ReadoutSums(4, 2, folds=True)
    for a, b in _chunk_bounds(n, [17, 64]):  # streamed, as partial_fit does
        sums.reserve(b).add(H[a:b], Y[a:b], np.arange(a, b))
    alphas = np.logspace(-3, 3, 7)
    assert sums.block_size == 16 and len(sums.blocks) == 9
    expected = _explicit_blocked_cv(H, Y, alphas, sums.block_size, fit_intercept)
    np.testing.assert_allclose(cv_curve(sums, alphas, fit_intercept), expected, rtol=1e-8)
    for i in (0, 3, 6):
        assert held_out_error(sums, alphas[i], fit_intercept) == pytest.approx(expected[i],
                                                                               rel=1e-8)


def test_cv_over_a_single_block_falls_back_to_gcv():
    """Rows in one block cannot be held out: 'cv' scores them by GCV instead."""
    H, Y = _rows(100, 3, seed=11, noise=3.0)
    sums = ReadoutSums(3, 1, folds=True).reserve(100)
    sums.add(H, Y, np.zeros(100, dtype=int))  # every row at one position
    assert list(sums.blocks) == [0] and sums.fold_moments() == []
    alphas = np.logspace(-2, 4, 13)
    solution = solve_readout(sums, "cv", alphas)
    np.testing.assert_allclose(solution.scores, _explicit_gcv(H, Y, alphas), rtol=1e-9)
    assert solution.alpha == solve_readout(sums, "gcv", alphas).alpha


def test_cv_needs_the_per_block_sums():
    H, Y = _rows(30, 2)
    with pytest.raises(ValueError, match="per-block sums"):
        solve_readout(ReadoutSums(2, 1).add(H, Y), "cv")


# -- 7. degenerate features -----------------------------------------------------------
def _degenerate(kind, noise=3.0):
    rng = np.random.RandomState(0)
    if kind == "constant":
        H = rng.randn(100, 4)
        H = np.column_stack([H[:, :2], np.full(100, 3.7), H[:, 2:]])
    elif kind == "duplicate":
        H = rng.randn(100, 4)
        H = np.column_stack([H, H[:, 1]])
    else:  # more features than rows
        H = rng.randn(15, 40)
    Y = H @ (rng.randn(H.shape[1], 1) / np.sqrt(H.shape[1] / 4)) + noise * rng.randn(len(H), 1)
    return H, Y


@pytest.mark.parametrize("kind", ["constant", "duplicate", "wide"])
@pytest.mark.parametrize("alpha", [1.0, "gcv", "cv"])
def test_degenerate_features_give_a_finite_readout(kind, alpha):
    """A constant feature, a duplicated one, more features than rows: a finite readout.

    With 'gcv' or 'cv' the choice is the argmin of the explicit curve on the grid, and a
    ReadoutWarning comes exactly when that choice is the bottom of the grid.
    """
    H, Y = _degenerate(kind)
    sums = _folds_sums(H, Y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        solution = solve_readout(sums, alpha)
    assert np.all(np.isfinite(solution.coef)) and np.all(np.isfinite(solution.intercept))
    if kind == "constant":
        assert abs(solution.coef[2, 0]) <= 1e-12 * np.abs(solution.coef).max()
    elif kind == "duplicate":
        assert solution.coef[1, 0] == pytest.approx(solution.coef[4, 0], rel=1e-8)
    # whatever alpha was chosen, the readout is StandardScaler + Ridge at it
    ref_coef, ref_intercept = _pipeline_ridge(H, Y, solution.alpha)
    np.testing.assert_allclose(H @ solution.coef + solution.intercept,
                               H @ ref_coef + ref_intercept, rtol=1e-6, atol=1e-8)
    if isinstance(alpha, str):
        grid = solution.alphas
        explicit = (_explicit_gcv(H, Y, grid) if alpha == "gcv"
                    else _explicit_blocked_cv(H, Y, grid, sums.block_size))
        chosen = int(np.searchsorted(grid, solution.alpha))
        # the explicit optimum, up to the engine's ties (1e-6), the two curves' rounding
        # and, with more features than rows, the directions below float64's resolution
        # that the engine leaves out
        assert explicit[chosen] <= explicit.min() * (1 + 1e-4)
        # a warning exactly when the choice is the bottom of the grid (at the top of the
        # default grid every direction is shrunk away: nothing to warn about)
        assert all(w.category is ReadoutWarning for w in caught)
        messages = ["smallest" if "the smallest value" in str(w.message) else str(w.message)
                    for w in caught]
        assert messages == ([] if chosen > 0 else ["smallest"])
    else:
        assert caught == []


def test_duplicated_feature_at_a_tiny_alpha_warns_and_stays_finite():
    H, Y = _degenerate("duplicate")
    with pytest.warns(ReadoutWarning, match="ill-conditioned"):
        solution = solve_readout(ReadoutSums(5, 1).add(H, Y), 1e-18)
    assert np.all(np.isfinite(solution.coef))
    # the penalty was raised to what float64 resolves, and says so
    assert solution.alpha == 1e-18
    # least-squares fitted values: unique even when the features are collinear (the
    # split between two copies of a feature is not: it lies in what float64 cannot
    # resolve)
    A = np.column_stack([H, np.ones(len(H))])
    np.testing.assert_allclose(H @ solution.coef + solution.intercept,
                               A @ np.linalg.lstsq(A, Y, rcond=None)[0], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("alpha", ["gcv", "cv"])
def test_targets_independent_of_the_features_choose_the_largest_alpha(alpha):
    rng = np.random.RandomState(0)
    H, Y = rng.randn(150, 5), rng.randn(150, 1)
    Y[:, 0] += 3.0
    sums = _folds_sums(H, Y)
    solution = solve_readout(sums, alpha)  # the top of the default grid: no warning
    assert solution.alpha == solution.alphas[-1]
    # at the largest alpha every direction is shrunk away: the readout predicts the mean
    assert np.abs(H @ solution.coef).max() < 0.05 * Y.std()
    assert solution.intercept[0] == pytest.approx(Y.mean(), abs=0.05 * Y.std())
    # the top of a grid the user passed: the best penalty may lie above it
    with pytest.warns(ReadoutWarning, match="largest value of the alphas you passed"):
        solution = solve_readout(sums, alpha, np.logspace(-3, 1, 9))
    assert solution.alpha == 10.0


@pytest.mark.parametrize("seed", range(12))
def test_gcv_with_more_features_than_rows_scores_like_the_hat_matrix(seed):
    """Where the ridge interpolates (p >= n), the engine's GCV must not score below the truth.

    The closed-form RSS (sum y^2 minus a sum over eigenvalues) cancels to rounding when
    a tiny alpha interpolates the rows; a score of 0 there wins the argmin for targets
    the features do not predict at all.
    """
    rng = np.random.RandomState(seed)
    H, Y = rng.randn(15, 40), rng.randn(15, 1)
    moments = Moments(40, 1).add(H, Y)
    grid = alpha_grid(moments)
    scores, _ = gcv_curve(moments, grid)
    explicit = _explicit_gcv(H, Y, grid)
    finite = np.isfinite(scores)
    assert finite.any()
    # no grid point is scored far below its true GCV (rounding may only inflate it)
    assert np.all(scores[finite] >= 0.9 * explicit[finite])
    # and the chosen one is scored right
    best = np.argmin(np.where(finite, scores, np.inf))
    assert scores[best] == pytest.approx(explicit[best], rel=1e-6)


# -- 8. NaN targets -------------------------------------------------------------------
@pytest.mark.parametrize("folds", [False, True])
def test_rows_with_a_nan_target_are_left_out(folds):
    H, Y = _rows(90, 3, k=2, seed=10)
    missing = np.zeros(90, dtype=bool)
    missing[[0, 5, 6, 40, 89]] = True
    Y_nan = Y.copy()
    Y_nan[[0, 5, 40], 0] = np.nan
    Y_nan[[6, 89], 1] = np.nan  # a NaN in any output leaves the row out
    positions = np.arange(90)
    got = ReadoutSums(3, 2, folds=folds).reserve(90)
    for rows in np.array_split(positions, 4):
        got.add([H[rows, :1], H[rows, 1:]], Y_nan[rows], positions[rows])
    expected = ReadoutSums(3, 2, folds=folds).reserve(90)
    for rows in np.array_split(positions, 4):
        keep = rows[~missing[rows]]
        expected.add([H[keep, :1], H[keep, 1:]], Y[keep], positions[keep])
    assert got.n == 85
    if folds:
        _assert_sums_equal(got, expected, rtol=0)
    else:
        _assert_moments_equal(got.total, expected.total, rtol=0)
    # a chunk whose targets are all NaN adds nothing
    before = got.copy()
    got.add(H[:4], np.full((4, 2), np.nan), positions[:4])
    _assert_moments_equal(got.total, before.total, rtol=0)


def test_rnn_elm_nan_targets_equal_dropping_those_rows():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (120, 3))
    y = np.sin(3 * X[:, 0]) + X[:, 1] * X[:, 2]
    y_nan = y.copy()
    y_nan[[3, 50, 51, 119]] = np.nan
    keep = ~np.isnan(y_nan)
    params = {"hidden_layer_sizes": 30, "alpha": 1e-2, "random_state": 0}
    with_nan = RNNELMRegressor(**params).fit(X, y_nan)
    dropped = RNNELMRegressor(**params).fit(X[keep], y[keep])
    assert with_nan.n_samples_seen_ == 120 and with_nan._readout_sums.n == 116
    np.testing.assert_allclose(with_nan.output_weights_, dropped.output_weights_, rtol=1e-10,
                               atol=1e-12 * np.abs(dropped.output_weights_).max())
    np.testing.assert_allclose(with_nan.predict(X), dropped.predict(X), rtol=1e-10)
    # the rows really were left out: fitting them with their targets changes the readout
    full = RNNELMRegressor(**params).fit(X, y)
    assert np.abs(full.predict(X) - with_nan.predict(X)).max() > 1e-6


def test_echo_state_nan_targets_leave_out_their_rows_but_not_their_steps():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (150, 2))
    y = np.sin(np.cumsum(X[:, 0])) + 0.1 * X[:, 1]
    y_nan = y.copy()
    missing = np.zeros(150, dtype=bool)
    missing[[10, 11, 12, 70, 149]] = True
    y_nan[missing] = np.nan
    model = EchoStateRegressor(30, alpha=1e-3, random_state=0).fit(X, y_nan)
    assert model.n_steps_seen_ == 150 and model.n_readout_rows_ == 145
    # the reference: the states of every step (NaN steps still advance the reservoir),
    # the ridge on the steps that have a target
    F = np.hstack([X, esn_states(model, X)])
    coef, intercept = _pipeline_ridge(F[~missing], y[~missing, None], 1e-3)
    np.testing.assert_allclose(model.output_weights_, coef, rtol=1e-6,
                               atol=1e-7 * np.abs(coef).max())
    np.testing.assert_allclose(model.predict(X), F @ coef[:, 0] + intercept[0], rtol=1e-6,
                               atol=1e-8)
    # deleting those steps instead is a different model (the reservoir sees other inputs)
    deleted = EchoStateRegressor(30, alpha=1e-3, random_state=0).fit(X[~missing], y[~missing])
    assert np.abs(deleted.output_weights_ - model.output_weights_).max() > 1e-6


def test_echo_state_cv_scores_are_blocked_cv_over_time_steps():
    """alpha='cv' through the estimator: blocks of time steps (after the washout), not rows."""
    rng = np.random.RandomState(1)
    X = rng.uniform(-1, 1, (150, 2))
    y = np.r_[0.0, X[:-1, 0]] * X[:, 1] + 0.2 * rng.randn(150)  # a product with a delay
    alphas = np.logspace(-4, 2, 7)
    model = EchoStateRegressor(30, alpha="cv", alphas=alphas, n_washout=10,
                               random_state=0).fit(X, y)
    F = np.hstack([X, esn_states(model, X)])
    block_size = model._readout_sums.block_size
    assert block_size == 16  # the least power of two giving at most 10 blocks of 150 steps
    expected = _explicit_blocked_cv(F[10:], y[10:, None], alphas, block_size,
                                    positions=np.arange(10, 150))
    np.testing.assert_allclose(model.cv_scores_, expected, rtol=1e-6)
    assert model.alpha_ == alphas[np.argmin(expected)]


@pytest.mark.parametrize("make", [
    lambda: EchoStateRegressor(30, random_state=0),
    lambda: RNNELMRegressor(30, random_state=0),
], ids=["echo-state", "rnn-elm"])
def test_invalid_inputs_and_targets_raise(make):
    rng = np.random.RandomState(0)
    X, y = rng.uniform(-1, 1, (40, 2)), rng.randn(40)
    with pytest.raises(ValueError, match="No readout rows|NaN"):
        make().fit(X, np.full(40, np.nan))
    X_nan = X.copy()
    X_nan[5, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        make().fit(X_nan, y)
    y_inf = y.copy()
    y_inf[7] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        make().fit(X, y_inf)


# -- 9. alpha validation --------------------------------------------------------------
@pytest.mark.parametrize("alpha", [0, 0.0, -1.0, np.inf, np.nan, None])
def test_check_alpha_rejects_non_positive_or_non_finite(alpha):
    with pytest.raises(ValueError, match="alpha must be a positive, finite float"):
        check_alpha(alpha, None)


def test_check_alpha_rejects_unknown_strings_and_accepts_valid_values():
    with pytest.raises(ValueError, match="positive float, 'gcv' or 'cv'; got 'foo'"):
        check_alpha("foo", None)
    assert check_alpha(1e-10, None) is None
    assert check_alpha(np.float32(2.0), None) is None
    assert check_alpha("gcv", None) is None
    np.testing.assert_array_equal(check_alpha("cv", [10, 0.1, 1]), [0.1, 1, 10])


@pytest.mark.parametrize("alphas", [[], [1, -1], [[1, 2]], [1, 0], [1, np.nan], [1, np.inf]],
                         ids=["empty", "negative", "2d", "zero", "nan", "inf"])
@pytest.mark.parametrize("alpha", ["gcv", "cv"])
def test_check_alpha_rejects_bad_grids(alpha, alphas):
    with pytest.raises(ValueError, match="alphas must be a non-empty 1D array"):
        check_alpha(alpha, alphas)


def test_estimators_reject_bad_alpha():
    rng = np.random.RandomState(0)
    X, y = rng.uniform(-1, 1, (40, 2)), rng.randn(40)
    with pytest.raises(ValueError, match="alpha"):
        EchoStateRegressor(10, alpha=0).fit(X, y)
    with pytest.raises(ValueError, match="alpha"):
        RNNELMRegressor(10, alpha=-1).fit(X, y)
    with pytest.raises(ValueError, match="alphas must be a non-empty 1D array"):
        EchoStateRegressor(10, alpha="gcv", alphas=[1, -1]).fit(X, y)
    with pytest.raises(ValueError, match="alphas must be a non-empty 1D array"):
        RNNELMRegressor(10, alpha="cv", alphas=[]).fit(X, y)


# -- 10. a failed partial_fit changes nothing ---------------------------------------------
def _fitted(kind):
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (120, 2))
    y = np.sin(np.cumsum(X[:, 0])) + 0.5 * X[:, 1]
    if kind == "echo-state":
        model = EchoStateRegressor(30, alpha="cv", random_state=0)
    else:
        model = RNNELMRegressor(30, alpha="cv", random_state=0)
    return model.fit(X[:80], y[:80]), X, y


def _assert_same_model(model, before, X, y):
    assert set(vars(model)) == set(vars(before))
    np.testing.assert_array_equal(model.output_weights_, before.output_weights_)
    np.testing.assert_array_equal(model.output_bias_, before.output_bias_)
    assert model._readout_stream.keys() == before._readout_stream.keys()
    for key, value in before._readout_stream.items():
        np.testing.assert_array_equal(model._readout_stream[key], value)
    assert model.alpha_ == before.alpha_
    np.testing.assert_array_equal(model._readout_sums.total.s_hh, before._readout_sums.total.s_hh)
    _assert_sums_equal(model._readout_sums, before._readout_sums, rtol=0)
    np.testing.assert_array_equal(model.predict(X), before.predict(X))
    # and it carries on as the copy does
    model.partial_fit(X[80:], y[80:])
    before.partial_fit(X[80:], y[80:])
    np.testing.assert_array_equal(model.output_weights_, before.output_weights_)
    np.testing.assert_array_equal(model.predict(X), before.predict(X))


def _nan_chunk(X, y):
    X = X.copy()
    X[3, 0] = np.nan
    return X, y


@pytest.mark.parametrize("kind", ["echo-state", "rnn-elm"])
@pytest.mark.parametrize("bad", [
    (_nan_chunk, "NaN"),
    (lambda X, y: (X[:, :1], y), "feature"),
    (lambda X, y: (X, np.column_stack([y, y])), "outputs"),
], ids=["nan-X", "n-features", "n-outputs"])
def test_failed_partial_fit_leaves_the_model_as_it_was(kind, bad):
    model, X, y = _fitted(kind)
    steps = model.n_steps_seen_ if kind == "echo-state" else model.n_samples_seen_
    before = copy.deepcopy(model)
    make_bad, match = bad
    with pytest.raises(ValueError, match=match):
        model.partial_fit(*make_bad(X[80:100], y[80:100]))
    assert (model.n_steps_seen_ if kind == "echo-state" else model.n_samples_seen_) == steps
    _assert_same_model(model, before, X, y)


@pytest.mark.parametrize("where", ["rows", "finish"])
@pytest.mark.parametrize("kind", ["echo-state", "rnn-elm"])
def test_interrupted_partial_fit_is_rolled_back(kind, where, monkeypatch):
    """Ctrl-C after the rows were summed, or after the new sums were committed: no change."""
    model, X, y = _fitted(kind)
    before = copy.deepcopy(model)
    name = {"rows": "_readout_rows", "finish": "_readout_finish"}[where]
    real = getattr(type(model), name)

    def interrupted(self, *args, **kwargs):
        real(self, *args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(type(model), name, interrupted)
    with pytest.raises(KeyboardInterrupt):
        model.partial_fit(X[80:100], y[80:100])
    monkeypatch.undo()
    _assert_same_model(model, before, X, y)


@pytest.mark.parametrize("alpha", [1e-3, "cv"])
def test_echo_state_partial_fit_whose_sums_overflow_is_rolled_back(alpha):
    """The sums of a chunk overflow float64 only at the solve: the model is left intact."""
    model, X, y = _fitted("echo-state")
    model.set_params(alpha=alpha).fit(X[:80], y[:80])
    before = copy.deepcopy(model)
    X_huge = X[80:100].copy()
    X_huge[4, 0] = 1e200  # finite, but its square is not
    with pytest.raises(ValueError, match="not finite"):
        model.partial_fit(X_huge, y[80:100])
    _assert_same_model(model, before, X, y)


@pytest.mark.parametrize("alpha", [1.0, "gcv", "cv"])
def test_sums_that_overflow_raise_a_clear_error(alpha):
    """Features or targets whose squares overflow: a ValueError, not a silent readout."""
    H, Y = _rows(100, 3, seed=12)
    for big_H, big_Y in ((H * 1e160, Y), (H, Y * 1e160)):
        with np.errstate(over="ignore", invalid="ignore"):  # summing them overflows
            sums = _folds_sums(big_H, big_Y)
        assert not np.all(np.isfinite(sums.total.gram())) or not np.isfinite(sums.total.s_yy[0])
        if alpha == 1.0 and big_H is H:  # the fixed solve needs no sum of y^2: it is right
            solution = solve_readout(sums, alpha)
            ref_coef, _ = _pipeline_ridge(H, Y, alpha)
            _assert_close(solution.coef / 1e160, ref_coef, 1e-10)
            continue
        with pytest.raises(ValueError, match="not finite"):
            solve_readout(sums, alpha)



# -- streaming is bit-identical to fitting ------------------------------------------------
def _sine_stream(n=1500, seed=0):
    t = np.arange(n + 1)
    s = np.sin(0.05 * t) + 0.01 * np.random.RandomState(seed).randn(n + 1)
    return s[:-1, None], s[1:].copy()


@pytest.mark.parametrize("options", [
    {"alpha": 1e-6},                                   # far below float64's resolution
    {"alpha": 1e-6, "n_washout": 37, "n_jobs": 2},     # overlapped windows, a washout
    {"alpha": "cv", "include_inputs": False},
    {"alpha": 1e-4, "dtype": np.float32},
], ids=["tiny-alpha", "washout-overlap", "cv", "float32"])
@pytest.mark.parametrize("seed", [0, 1])
def test_echo_state_streaming_is_bit_identical_to_fit(options, seed, monkeypatch):
    """Ill-conditioned states (a slow sine at a tiny penalty): any chunking, the same bits."""
    from skrnn._readout import _sums
    from skrnn.echo_state import _sweep

    # small leaves and windows, so that 1500 steps cross many of them
    monkeypatch.setattr(_sums, "LEAF_ELEMENTS", 41 * 32)
    monkeypatch.setattr(_sweep, "CHUNK_ELEMENTS", 40 * 100)
    options = dict(options)
    dtype = options.pop("dtype", np.float64)
    X, y = _sine_stream()
    X, y = X.astype(dtype), y.astype(dtype)
    y[500:530] = np.nan                                  # steps without a target
    params = {"n_reservoir": 40, "random_state": 0, **options}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReadoutWarning)  # the tiny penalty is raised
        whole = EchoStateRegressor(**params).fit(X, y)
        cuts = np.sort(np.random.RandomState(seed).choice(np.arange(1, 1500), 9, replace=False))
        streamed = EchoStateRegressor(**params)
        for Xc, yc in zip(np.split(X, cuts), np.split(y, cuts)):
            streamed.partial_fit(Xc, yc)
    assert whole._readout_sums.leaf_size < 1500 / 4
    np.testing.assert_array_equal(streamed._readout_sums.total.s_hh,
                                  whole._readout_sums.total.s_hh)
    np.testing.assert_array_equal(streamed.output_weights_, whole.output_weights_)
    np.testing.assert_array_equal(streamed.output_bias_, whole.output_bias_)
    assert streamed.alpha_ == whole.alpha_


def test_rnn_elm_streaming_is_bit_identical_to_fit():
    rng = np.random.RandomState(0)
    X = rng.uniform(0, 1, (700, 3))
    y = np.sin(3 * X[:, 0]) + X[:, 1] * X[:, 2]
    params = {"hidden_layer_sizes": 300, "alpha": 1e-8, "batch_size": 64, "random_state": 0}
    whole = RNNELMRegressor(**params).fit(X, y)
    assert whole._readout_sums.leaf_size == 64  # a leaf is a batch
    streamed = RNNELMRegressor(**params)
    for rows in np.array_split(np.arange(700), [5, 90, 91, 400, 650]):
        streamed.partial_fit(X[rows], y[rows])
    np.testing.assert_array_equal(streamed.output_weights_, whole.output_weights_)
    np.testing.assert_array_equal(streamed.predict(X), whole.predict(X))


def test_leaves_wait_for_their_last_position():
    """A leaf is summed once complete; until then its rows wait, and the total includes them."""
    rng = np.random.RandomState(0)
    H, Y = rng.randn(40, 3), rng.randn(40, 1)
    sums = ReadoutSums(3, 1, leaf_size=16)
    sums.add(H[:10], Y[:10], np.arange(10))
    assert sums._pending is not None and sums._folded.n == 0 and sums.n == 10
    sums.add(H[10:20], Y[10:20], np.arange(10, 20))     # completes leaf 0 (positions 0-15)
    assert sums._folded.n == 16 and sums.n == 20
    one_pass = ReadoutSums(3, 1, leaf_size=16).add(H[:20], Y[:20], np.arange(20))
    np.testing.assert_array_equal(sums.total.s_hh, one_pass.total.s_hh)
    # rows out of order (a batch's per-step rows) go in at once: exact to rounding
    sums.add(H[20:], Y[20:], np.arange(39, 19, -1))
    assert sums._pending is None and sums.n == 40
    _assert_moments_equal(sums.total, Moments(3, 1).add(H, Y), 1e-12)


def test_batch_per_step_rows_do_not_wait_in_a_leaf():
    """Rows of many steps per position (a batch of sequences) are summed at once, not held."""
    X = np.random.RandomState(0).uniform(-1, 1, (12, 50, 1))
    y = np.sin(X[:, :, 0])
    model = EchoStateRegressor(20, random_state=0).fit(X, y)
    assert model._readout_sums._pending is None and model.n_readout_rows_ == 600
    streamed = EchoStateRegressor(20, random_state=0)
    for part in np.array_split(np.arange(12), 3):
        streamed.partial_fit(X[part], y[part])
        assert streamed._readout_sums._pending is None
    np.testing.assert_allclose(streamed.output_weights_, model.output_weights_, rtol=1e-9,
                               atol=1e-12)
