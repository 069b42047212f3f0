"""One-pass backtests and adaptive conformal intervals."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
from sklearn.base import clone

from skrnn import EchoStateRegressor, ElmanRegressor
from skrnn.forecasting import ConformalForecaster, backtest, conformal_intervals
from skrnn.forecasting._conformal import AdaptiveConformal, conformal_quantile

BRIEF = dict(n_hidden=5, max_iter=50, tol=1.0, n_iter_no_change=1)


def _controlled(n=400, seed=0, noise=0.0):
    rng = np.random.RandomState(seed)
    u = rng.uniform(-1, 1, n + 1)
    s = np.zeros(n + 1)
    for t in range(n):
        s[t + 1] = 0.7 * s[t] + 0.5 * u[t + 1] + noise * rng.normal()
    return np.column_stack([s[:-1], u[1:]]), s[1:]


@pytest.mark.parametrize("model", [EchoStateRegressor(30, output_feedback=True, random_state=0),
                                   ElmanRegressor(random_state=0, **BRIEF)],
                         ids=["esn-feedback", "elman"])
def test_one_pass_equals_forecasting_from_the_start_at_every_origin(model):
    X, y = _controlled(200)
    result = backtest(model, X, y, start=150, horizon=4, stride=7, feedback=[0])
    np.testing.assert_array_equal(result.origins, np.arange(150, 198, 7))
    fitted = clone(model).fit(X[:149], y[:149])  # y[149]: first outcome
    for o, f, truth in zip(result.origins, result.forecasts, result.y_true):
        expected = fitted.forecast(X[:o], 4, covariates=X[o:o + 3, 1:], feedback=[0])
        np.testing.assert_allclose(f[:, 0], expected, rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(truth[:, 0], y[o - 1:o + 3])


def test_refits_and_error_table():
    pd = pytest.importorskip("pandas")
    X, y = _controlled(200)
    model = EchoStateRegressor(20, random_state=0)
    result = backtest(model, X, y, start=100, horizon=3, refit_every=40, feedback=[0])
    assert not hasattr(model, "output_weights_")  # the estimator passed is left alone
    # the last refit, at origin 180: on X[:179] (y[179] is its first outcome)
    assert result.estimator.n_steps_seen_ == 179
    refit = clone(model).fit(X[:139], y[:139])
    o = 150
    i = int(np.flatnonzero(result.origins == o)[0])
    np.testing.assert_allclose(
        result.forecasts[i, :, 0],
        refit.forecast(X[:o], 3, covariates=X[o:o + 2, 1:], feedback=[0]), rtol=1e-9)
    assert isinstance(result.errors, pd.DataFrame)
    assert list(result.errors.index) == [1, 2, 3]
    err = result.forecasts - result.y_true
    np.testing.assert_allclose(result.errors["rmse"], np.sqrt(np.mean(err ** 2, axis=(0, 2))))
    np.testing.assert_allclose(result.errors["mae"], np.mean(np.abs(err), axis=(0, 2)))


@pytest.mark.parametrize("refit_every", [None, 20])
def test_backtest_forecasts_do_not_see_their_own_outcomes(refit_every):
    """No model is trained on the outcome it is scored against (the backtest leaked y[o - 1])."""
    X, y = _controlled(160, noise=0.05)
    model = EchoStateRegressor(20, random_state=0)
    result = backtest(model, X, y, start=100, horizon=2, feedback=[0], refit_every=refit_every)
    for o in (100, 120):
        i = int(np.flatnonzero(result.origins == o)[0])
        shifted = y.copy()
        shifted[o - 1:] += 50.0  # every outcome from origin o on; the past is kept
        other = backtest(model, X, shifted, start=100, horizon=2, feedback=[0],
                         refit_every=refit_every)
        np.testing.assert_allclose(other.forecasts[i], result.forecasts[i], rtol=1e-9)
        assert other.y_true[i, 0, 0] == pytest.approx(result.y_true[i, 0, 0] + 50.0)


def test_backtest_on_a_dataframe_takes_feedback_by_name():
    """A DataFrame's column names map the feedback (the model was fitted on its array)."""
    pd = pytest.importorskip("pandas")
    X, y = _controlled(200)
    frame = pd.DataFrame(X, columns=["level", "plan"])
    model = EchoStateRegressor(20, random_state=0)
    by_name = backtest(model, frame, y, start=150, horizon=3, feedback=["level"])
    by_position = backtest(model, X, y, start=150, horizon=3, feedback=[0])
    np.testing.assert_allclose(by_name.forecasts, by_position.forecasts, rtol=1e-12)
    assert list(by_name.estimator.feature_names_in_) == ["level", "plan"]
    with pytest.raises(ValueError, match="'flow', which the model was not fitted with"):
        backtest(model, frame, y, start=150, feedback=["flow"])


def test_backtest_bad_input():
    X, y = _controlled(50)
    model = EchoStateRegressor(10, random_state=0)
    with pytest.raises(ValueError, match="start must be an integer"):
        backtest(model, X, y, start=50, feedback=[0])
    with pytest.raises(ValueError, match="start must be an integer"):
        backtest(model, X, y, start=1, feedback=[0])
    with pytest.raises(ValueError, match="No origin"):
        backtest(model, X, y, start=45, horizon=10, feedback=[0])
    with pytest.raises(ValueError, match="as many time steps"):
        backtest(model, X, y[:-1], start=10, feedback=[0])
    with pytest.raises(ValueError, match="n_steps must be a positive integer"):
        backtest(model, X, y, start=10, horizon=0, feedback=[0])


# -- adaptive conformal inference -------------------------------------------------------
def test_conformal_quantile_is_the_finite_sample_level():
    scores = np.arange(1.0, 10.0)  # 9 scores: level ceil(10 * 0.8) / 9 = 8/9
    assert conformal_quantile(scores, 0.2) == 8.0
    assert conformal_quantile(scores, 0.05) == np.inf  # ceil(9.5) = 10 > 9 scores
    assert conformal_quantile(scores, 1.0) == 0.0
    assert conformal_quantile(scores[:0], 0.5) == np.inf


def test_aci_long_run_coverage_holds_under_any_sequence():
    """Gibbs and Candès' bound |miscoverage - alpha| <= (max(a1, 1 - a1) + gamma) / (gamma T).

    It holds for every sequence of scores, here one whose scale drifts
    tenfold, which would break split conformal's exchangeability.
    """
    rng = np.random.RandomState(0)
    T, n_cal, gamma, alpha = 3000, 200, 0.01, 0.1
    scale = np.exp(np.linspace(0, np.log(10), n_cal + T))
    scores = np.abs(rng.standard_t(3, n_cal + T) * scale)[:, None, None]
    origins = np.arange(n_cal + T)
    widths, _ = AdaptiveConformal(1 - alpha, gamma).run(scores, origins, n_cal)
    miss = np.mean(scores[n_cal:, 0, 0] > widths[n_cal:, 0, 0])
    assert abs(miss - alpha) <= (1 - alpha + gamma) / (gamma * T)
    # split conformal (gamma=0) undercovers the growing scores badly
    split, _ = AdaptiveConformal(1 - alpha, 0.0).run(scores, origins, n_cal)
    assert np.mean(scores[n_cal:, 0, 0] > split[n_cal:, 0, 0]) > 2 * alpha
    # gamma=0 is the plain conformal quantile of the scores known at each step
    i = n_cal + 17
    assert split[i, 0, 0] == conformal_quantile(scores[:i, 0, 0], alpha)


def test_aci_waits_for_the_outcome_of_each_horizon():
    """A forecast h steps ahead from origin o is judged from origin o + h on only."""
    rng = np.random.RandomState(1)
    scores = np.abs(rng.normal(size=(60, 3, 1)))
    origins = np.arange(100, 160)
    widths, _ = AdaptiveConformal(0.8, 0.0).run(scores, origins, 20)
    for h in range(3):
        for i in (20, 41, 59):
            known = scores[:i - h, h, 0]
            assert widths[i, h, 0] == conformal_quantile(known, 0.2)


def test_conformal_intervals_cover_a_noisy_system():
    X, y = _controlled(2600, noise=0.2)
    result = backtest(EchoStateRegressor(40, n_washout=20, random_state=0), X, y, start=400,
                      horizon=3, feedback=[0])
    for coverage in (0.8, 0.9):
        bands = conformal_intervals(result, coverage, n_calibration=200)
        assert bands.lower.shape == (len(result.origins) - 200, 3, 1)
        assert np.all(np.abs(bands.coverage - coverage) < 0.03)
        assert np.all(bands.lower <= bands.upper)
    with pytest.raises(ValueError, match=r"coverage must be a number in \(0, 1\)"):
        conformal_intervals(result, 1.2, n_calibration=200)
    with pytest.raises(ValueError, match="n_calibration"):
        conformal_intervals(result, 0.9, n_calibration=0)
    # a NaN or infinite step, or a boolean window, is refused up front
    for gamma in (np.nan, np.inf, -0.1):
        with pytest.raises(ValueError, match="gamma must be a finite non-negative number"):
            conformal_intervals(result, 0.9, n_calibration=200, gamma=gamma)
    with pytest.raises(ValueError, match="window must be a positive integer"):
        conformal_intervals(result, 0.9, n_calibration=200, window=True)


def test_conformal_forecaster():
    X, y = _controlled(1600, noise=0.2)
    model = ConformalForecaster(EchoStateRegressor(40, random_state=0), horizon=5,
                                coverage=0.9, feedback=[0]).fit(X[:1200], y[:1200])
    assert model.estimator_.n_steps_seen_ == 900
    assert model.scores_.shape == (300, 5, 1)
    # the scores are held-out residuals: the first is y[900]'s, not the fitted y[899]'s
    first = model.estimator_.predict(X[:901])[-1]
    assert model.scores_[0, 0, 0] == pytest.approx(abs(y[900] - first), rel=1e-9)
    assert np.isfinite(model.scores_[:, 0]).sum() == 300
    f, lo, hi = model.forecast(X[:1200], 5, covariates=X[1200:1204, 1:], return_interval=True)
    inner = model.estimator_.forecast(X[:1200], 5, covariates=X[1200:1204, 1:], feedback=[0])
    np.testing.assert_allclose(f, inner)
    assert np.all(lo < f) and np.all(f < hi)
    # wider intervals for longer horizons, and for higher coverage
    assert hi[-1] - lo[-1] > hi[0] - lo[0]
    _, lo8, hi8 = model.forecast(X[:1200], 5, covariates=X[1200:1204, 1:],
                                 return_interval=True, coverage=0.8)
    assert np.all(hi8 - lo8 < hi - lo)
    # one-step intervals hold about 90 % of the next steps
    p, lo1, hi1 = model.predict(X[1200:], return_interval=True)
    assert p.shape == lo1.shape == (400,)
    covered = np.mean((lo1[50:] <= y[1250:]) & (y[1250:] <= hi1[50:]))
    assert 0.84 < covered < 0.96
    with pytest.raises(ValueError, match="calibrated for horizon=5"):
        model.forecast(X[:1200], 6, covariates=X[1200:1205, 1:])
    with pytest.raises(ValueError, match=r"coverage must be a number in \(0, 1\)"):
        model.predict(X, return_interval=True, coverage=0.0)
    with pytest.raises(ValueError, match="coverage"):
        ConformalForecaster(EchoStateRegressor(), coverage=1.5).fit(X, y)


# -- the Bayesian posterior of the ridge readouts ---------------------------------------
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_readout_predictive_std_against_the_posterior_written_out(fit_intercept):
    X, y = _controlled(300, noise=0.1)
    model = EchoStateRegressor(20, alpha=1e-2, fit_intercept=fit_intercept,
                               random_state=0).fit(X, y)
    pieces = []
    model._run(X, features=pieces)
    H = np.vstack([F for _, F in pieces])
    mean = H.mean(axis=0) if fit_intercept else np.zeros(H.shape[1])
    scale = (H - H.mean(axis=0)).std(axis=0)
    Z = (H - mean) / scale
    yc = y - y.mean() if fit_intercept else y
    A = Z.T @ Z + 1e-2 * np.eye(Z.shape[1])
    beta = np.linalg.solve(A, Z.T @ yc)
    rss = np.sum((yc - Z @ beta) ** 2)
    df = np.trace(np.linalg.solve(A, Z.T @ Z))
    sigma2 = rss / (300 - df - fit_intercept)
    var = sigma2 * (1 + np.einsum("ij,ij->i", Z @ np.linalg.inv(A), Z)
                    + (1 / 300 if fit_intercept else 0))
    pred, std = model.predict(X, return_std=True)
    np.testing.assert_allclose(pred, model.predict(X))
    np.testing.assert_allclose(std, np.sqrt(var), rtol=1e-6)


def test_readout_std_is_calibrated_and_refused_where_it_does_not_exist():
    X, y = _controlled(3000, noise=0.3)
    model = EchoStateRegressor(30, n_washout=20, random_state=0).fit(X[:2000], y[:2000])
    pred, std, state = model.predict(X[2000:], return_std=True, return_state=True,
                                     initial_state=model.predict(X[:2000], return_state=True)[1])
    inside = np.abs(y[2000:] - pred) <= 1.645 * std
    assert 0.86 < inside.mean() < 0.94
    assert state.shape == (1, 30)
    with pytest.raises(ValueError, match="Bayesian posterior of a ridge readout"):
        ElmanRegressor(random_state=0, **BRIEF).fit(X[:100], y[:100]).predict(
            X[:10], return_std=True)
    with pytest.raises(ValueError, match="slim"):
        model.slim().predict(X[:10], return_std=True)


# -- cross-validation on one series -----------------------------------------------------
def test_series_split_brings_the_warmup_and_the_scorer_leaves_it_out():
    from sklearn.metrics import r2_score
    from sklearn.model_selection import GridSearchCV, cross_validate

    from skrnn.forecasting import SeriesSplit

    X, y = _controlled(600, noise=0.05)
    cv = SeriesSplit(n_splits=3, warmup=50)
    folds = list(cv.split(X))
    assert [len(test) for _, test in folds] == [200, 200, 200]
    assert folds[0][0][-1] == 149 and folds[0][1][0] == 100
    model = EchoStateRegressor(30, random_state=0)
    scores = cross_validate(model, X, y, cv=cv, scoring=cv.scorer())["test_score"]
    for (train, test), score in zip(folds, scores):
        fitted = clone(model).fit(X[train], y[train])
        expected = r2_score(y[test][50:], fitted.predict(X[test])[50:])
        assert score == pytest.approx(expected, rel=1e-12)
    # warmup='all' runs the whole past: the test block starts from the true state
    whole = SeriesSplit(n_splits=3, test_size=150, warmup="all")
    (train, test), = list(whole.split(X))[-1:]
    np.testing.assert_array_equal(test, np.arange(600))
    fitted = clone(model).fit(X[train], y[train])
    assert whole.scorer()(fitted, X[test], y[test]) == pytest.approx(
        r2_score(y[450:], fitted.predict(X)[450:]))
    # multi-step scoring: minus the RMSE of the backtest's forecasts over the block
    scorer = cv.scorer(horizon=3, feedback=[0])
    train, test = folds[0]
    fitted = clone(model).fit(X[train], y[train])
    result = backtest(model, X[test], y[test], start=51, horizon=3, feedback=[0])
    # the backtest refits on the fold's head; score its own fitted model instead
    score = scorer(result.estimator, X[test], y[test])
    err = result.forecasts - result.y_true
    assert score == pytest.approx(-np.sqrt(np.mean(err ** 2)), rel=1e-9)
    search = GridSearchCV(model, {"spectral_radius": [0.5, 0.9]}, cv=cv,
                          scoring=cv.scorer()).fit(X, y)
    assert search.best_params_["spectral_radius"] in (0.5, 0.9)
    for bad, message in [(dict(n_splits=1), "n_splits"), (dict(warmup=-1), "warmup"),
                         (dict(warmup="all"), "needs test_size"), (dict(gap=-2), "gap")]:
        with pytest.raises(ValueError, match=message):
            next(SeriesSplit(**bad).split(X))
    with pytest.raises(ValueError, match="leave no training steps"):
        next(SeriesSplit(n_splits=3, test_size=200).split(X))


@pytest.mark.parametrize("warmup", [20, "all"])
def test_multi_step_scorer_scores_the_test_block_only(warmup):
    """No warm-up row's target enters the multi-step score (it scored row skip - 1)."""
    from skrnn.forecasting import SeriesSplit

    X, y = _controlled(300, noise=0.05)
    cv = SeriesSplit(n_splits=2, test_size=100, warmup=warmup)
    train, test = list(cv.split(X))[0]
    fitted = EchoStateRegressor(20, random_state=0).fit(X[train], y[train])
    scorer = cv.scorer(horizon=3, feedback=[0])
    Xt, yt = X[test], y[test].copy()
    score = scorer(fitted, Xt, yt)
    yt[:len(test) - 100] += 100.0  # the warm-up's targets
    assert scorer(fitted, Xt, yt) == pytest.approx(score, rel=1e-12)
    yt[len(test) - 100] += 100.0  # the block's first target counts
    assert scorer(fitted, Xt, yt) < score


def test_series_split_refuses_a_warmup_longer_than_the_first_training_stretch():
    """The first fold got a shorter warm-up, and the scorer skipped part of its block."""
    from skrnn.forecasting import SeriesSplit

    X = np.zeros((200, 2))
    with pytest.raises(ValueError, match="warmup=100 is longer than the 80 steps"):
        list(SeriesSplit(n_splits=3, test_size=40, warmup=100).split(X))
    folds = list(SeriesSplit(n_splits=3, test_size=40, warmup=80).split(X))
    assert [len(test) for _, test in folds] == [120, 120, 120]


def test_multi_step_scorer_on_a_conformal_forecaster():
    """The multi-step scorer scores the wrapped model (it raised, so GridSearchCV got NaN)."""
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV

    from skrnn.forecasting import SeriesSplit

    X, y = _controlled(400, noise=0.05)
    cv = SeriesSplit(n_splits=2, warmup=20)
    train, test = list(cv.split(X))[0]
    wrapper = ConformalForecaster(EchoStateRegressor(20, random_state=0), horizon=3,
                                  feedback=[0]).fit(X[train], y[train])
    scorer = cv.scorer(horizon=3)
    assert scorer(wrapper, X[test], y[test]) == pytest.approx(
        cv.scorer(horizon=3, feedback=[0])(wrapper.estimator_, X[test], y[test]), rel=1e-12)
    search = GridSearchCV(ConformalForecaster(EchoStateRegressor(20, random_state=0),
                                              horizon=3, feedback=[0]),
                          {"estimator__spectral_radius": [0.5, 0.9]}, cv=cv, scoring=scorer,
                          error_score="raise").fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    with pytest.raises(ValueError, match="sequence regressor"):
        scorer(Ridge().fit(X, y), X[test], y[test])


def test_one_pass_in_blocks_equals_one_block(monkeypatch):
    """The reservoir's state path is read in bounded blocks; the cut changes nothing."""
    from skrnn.forecasting import _backtest

    X, y = _controlled(300)
    model = EchoStateRegressor(20, output_feedback=True, random_state=0)
    whole = backtest(model, X, y, start=100, horizon=3, feedback=[0])
    monkeypatch.setattr(_backtest, "_PATH_ELEMENTS", 20 * 37)  # blocks of 37 rows
    cut = backtest(model, X, y, start=100, horizon=3, feedback=[0])
    np.testing.assert_allclose(cut.forecasts, whole.forecasts, rtol=1e-10, atol=1e-12)


def test_conformal_forecaster_refit_with_a_bad_mapping_leaves_the_model_whole():
    """A refit that fails on its feedback mapping keeps the fitted model and its scores."""
    X, y = _controlled(400, noise=0.1)
    model = ConformalForecaster(EchoStateRegressor(20, random_state=0), horizon=2,
                                feedback=[0]).fit(X, y)
    inner, scores = model.estimator_, model.scores_.copy()
    before = model.forecast(X, 2, covariates=X[:1, 1:], return_interval=True)
    model.set_params(feedback=[5])
    with pytest.raises(ValueError, match="feedback column 5 of output 0 does not exist"):
        model.fit(X[::-1], y[::-1])
    assert model.estimator_ is inner
    assert not hasattr(inner, "feature_names_in_")
    np.testing.assert_array_equal(model.scores_, scores)
    after = model.forecast(X, 2, covariates=X[:1, 1:], return_interval=True)
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)


def test_conformal_forecaster_calibration_size_as_a_numpy_fraction():
    """A fraction given as a NumPy float32 is a fraction (it was taken as a count)."""
    X, y = _controlled(400, noise=0.1)
    reference = ConformalForecaster(EchoStateRegressor(20, random_state=0), feedback=[0],
                                    calibration_size=0.25).fit(X, y)
    for size in (np.float32(0.25), np.float64(0.25)):
        model = ConformalForecaster(EchoStateRegressor(20, random_state=0), feedback=[0],
                                    calibration_size=size).fit(X, y)
        assert model.estimator_.n_steps_seen_ == reference.estimator_.n_steps_seen_ == 300
        np.testing.assert_allclose(model.scores_, reference.scores_)


def test_conformal_forecaster_on_dataframes():
    pd = pytest.importorskip("pandas")
    X, y = _controlled(400, noise=0.1)
    frame = pd.DataFrame({"level": X[:, 0], "valve": X[:, 1]})
    by_name = ConformalForecaster(EchoStateRegressor(20, random_state=0), horizon=3,
                                  feedback=["level"]).fit(frame[:350], y[:350])
    by_position = ConformalForecaster(EchoStateRegressor(20, random_state=0), horizon=3,
                                      feedback=[0]).fit(X[:350], y[:350])
    future = pd.DataFrame({"other": [0.0, 0.0], "valve": X[350:352, 1]})
    a = by_name.forecast(frame[:350], 3, covariates=future, return_interval=True)
    b = by_position.forecast(X[:350], 3, covariates=X[350:352, 1:], return_interval=True)
    np.testing.assert_allclose(np.array(a), np.array(b), rtol=1e-12)
    with pytest.raises(ValueError, match="lacks the columns"):
        by_name.forecast(frame[:350], 3, covariates=future[["other"]])


def test_rnn_elm_readout_std_against_the_posterior_written_out():
    from skrnn import RNNELMRegressor

    rng = np.random.RandomState(0)
    X = rng.uniform(0, 1, (300, 2))
    y = np.sin(3 * X[:, 0]) + X[:, 1] ** 2 + 0.1 * rng.normal(size=300)
    model = RNNELMRegressor(20, alpha=1e-2, random_state=0).fit(X, y)
    pieces = []
    model._decision(X, features=pieces)
    H = np.vstack(pieces)
    Z = (H - H.mean(axis=0)) / H.std(axis=0)
    A = Z.T @ Z + 1e-2 * np.eye(Z.shape[1])
    beta = np.linalg.solve(A, Z.T @ (y - y.mean()))
    rss = np.sum((y - y.mean() - Z @ beta) ** 2)
    sigma2 = rss / (300 - np.trace(np.linalg.solve(A, Z.T @ Z)) - 1)
    var = sigma2 * (1 + np.einsum("ij,ij->i", Z @ np.linalg.inv(A), Z) + 1 / 300)
    pred, std = model.predict(X, return_std=True)
    np.testing.assert_allclose(pred, model.predict(X))
    np.testing.assert_allclose(std, np.sqrt(var), rtol=1e-6)
    with pytest.raises(ValueError, match="slim"):
        model.slim().predict(X, return_std=True)


def test_conformal_forecaster_update_adapts_to_a_noisier_stretch():
    rng = np.random.RandomState(3)
    X, y = _controlled(1200, noise=0.1)
    model = ConformalForecaster(EchoStateRegressor(30, random_state=0), horizon=2,
                                feedback=[0], window=300).fit(X, y)
    _, lo, hi = model.predict(X[:5], return_interval=True)
    before = (hi - lo)[0]
    scores = model.scores_.copy()
    # the next 600 steps: the same system, five times the noise
    s = np.zeros(601)
    s[0] = y[-1]
    u = rng.uniform(-1, 1, 601)
    for t in range(600):
        s[t + 1] = 0.7 * s[t] + 0.5 * u[t + 1] + 0.5 * rng.normal()
    X_new, y_new = np.column_stack([s[:-1], u[1:]]), s[1:]
    model.update(X_new, y_new)
    assert model.scores_.shape == (scores.shape[0] + 600, 2, 1)
    # the outcomes known at fit time are scored as they were
    np.testing.assert_allclose(model.scores_[:scores.shape[0] - 2], scores[:-2], rtol=1e-9)
    _, lo, hi = model.predict(X[:5], return_interval=True)
    assert (hi - lo)[0] > 3 * before
    with pytest.raises(ValueError, match="features"):
        model.update(X_new[:, :1], y_new)
