"""Gradient-free weight search: the population kernels and the three meta-estimators."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import is_classifier, is_regressor
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skrnn import (
    ElmanClassifier,
    ElmanRegressor,
    GeneticOptimizer,
    JordanClassifier,
    JordanRegressor,
    LSTMClassifier,
    LSTMRegressor,
    ParticleSwarmOptimizer,
    SimulatedAnnealingOptimizer,
)

SEARCHES = (GeneticOptimizer, ParticleSwarmOptimizer, SimulatedAnnealingOptimizer)


def _fitted(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


# -- the population kernels ------------------------------------------------------

def _regression_data(kind, dtype, rng):
    if kind == "3d_per_step":
        return rng.randn(4, 9, 3).astype(dtype), rng.randn(4, 9, 2)
    if kind == "ragged_per_step":
        lengths = (3, 7, 1, 5, 7)
        return ([rng.randn(n, 2).astype(dtype) for n in lengths],
                [rng.randn(n) for n in lengths])
    lengths = (4, 6, 2, 6)  # ragged, one target per sequence
    return [rng.randn(n, 2).astype(dtype) for n in lengths], rng.randn(len(lengths))


NETWORKS = [
    ("elman", lambda: ElmanRegressor(n_hidden=4, alpha=0.1)),
    ("jordan", lambda: JordanRegressor(n_hidden=4, context_decay=0.5, alpha=0.1)),
    ("lstm", lambda: LSTMRegressor(n_hidden=3, alpha=0.1)),
    ("lstm_peepholes", lambda: LSTMRegressor(n_hidden=3, peepholes=True)),
    ("lstm_stacked", lambda: LSTMRegressor(n_hidden=(3, 4), peepholes=True, alpha=0.1)),
]
CLASSIFIERS = [ElmanClassifier, JordanClassifier, LSTMClassifier]
RTOL = {np.float64: 1e-10, np.float32: 1e-5}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["3d_per_step", "ragged_per_step", "ragged_per_sequence"])
@pytest.mark.parametrize("name, make", NETWORKS, ids=[n for n, _ in NETWORKS])
def test_population_loss_matches_evaluate_loss(name, make, kind, dtype):
    rng = np.random.RandomState(0)
    X, y = _regression_data(kind, dtype, rng)
    est = _fitted(make().set_params(max_iter=1, random_state=0), X, y)
    thetas = 0.7 * rng.randn(6, est.get_flat_weights().shape[0])
    expected = [est.evaluate_loss(X, y, weights=theta) for theta in thetas]
    losses = est.population_loss(thetas, X, y)
    assert losses.dtype == np.float64
    np.testing.assert_allclose(losses, expected, rtol=RTOL[dtype])
    # each candidate is computed whole by one thread: bit for bit the same on two
    est.set_params(n_jobs=2)
    np.testing.assert_array_equal(est.population_loss(thetas, X, y), losses)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_population_loss_classifiers(cls, n_classes):
    rng = np.random.RandomState(1)
    X, y = rng.randn(25, 5), rng.randint(n_classes, size=25)
    y[:n_classes] = np.arange(n_classes)
    est = _fitted(cls(n_hidden=3, max_iter=1, alpha=0.01, random_state=0), X, y)
    thetas = rng.randn(5, est.get_flat_weights().shape[0])
    expected = [est.evaluate_loss(X, y, weights=theta) for theta in thetas]
    np.testing.assert_allclose(est.population_loss(thetas, X, y), expected, rtol=1e-10)


def test_population_loss_jordan_uses_its_own_feedback():
    """With teacher forcing, training feeds the targets to the context; the
    population loss feeds the network's outputs, as when it predicts."""
    rng = np.random.RandomState(2)
    X, y = rng.randn(30, 2), rng.randn(30)
    forced = _fitted(JordanRegressor(n_hidden=3, teacher_forcing=True, max_iter=1,
                                     random_state=0), X, y)
    free = _fitted(JordanRegressor(n_hidden=3, max_iter=1, random_state=0), X, y)
    theta = forced.get_flat_weights()
    free.set_flat_weights(theta)
    loss = forced.population_loss(theta[None, :], X, y)[0]
    assert loss == pytest.approx(free.evaluate_loss(X, y), rel=1e-10)
    assert loss != pytest.approx(forced.evaluate_loss(X, y), rel=1e-6)


def test_population_loss_bad_input():
    rng = np.random.RandomState(3)
    X, y = rng.randn(20, 2), rng.randn(20)
    est = _fitted(ElmanRegressor(n_hidden=3, max_iter=1), X, y)
    n = est.get_flat_weights().shape[0]
    with pytest.raises(ValueError, match="thetas must have shape"):
        est.population_loss(np.zeros(n), X, y)
    with pytest.raises(ValueError, match="thetas must have shape"):
        est.population_loss(np.zeros((2, n + 1)), X, y)
    with pytest.raises(ValueError, match="finite"):
        est.population_loss(np.full((2, n), np.nan), X, y)
    # overflow is a loss of inf, not an error: the searches discard such candidates
    huge = np.full((1, n), 1e200)
    with np.errstate(all="ignore"):
        assert est.population_loss(huge, X, y)[0] == np.inf


# -- searches --------------------------------------------------------------------

def _teacher_data(n_steps=150, noise=0.1):
    """A series generated by an Elman network of 2 units with known weights."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (n_steps, 1))
    teacher = _fitted(ElmanRegressor(n_hidden=2, max_iter=1, random_state=0), X, X[:, 0])
    teacher.set_flat_weights(rng.normal(0, 0.8, teacher.get_flat_weights().shape[0]))
    y = teacher.predict(X) + noise * rng.randn(n_steps)
    return X, y, teacher.evaluate_loss(X, y)


@pytest.mark.parametrize("search", [
    GeneticOptimizer(ElmanRegressor(n_hidden=2), population_size=60, max_iter=800,
                     crossover="blend", mutation_scale=0.05, random_state=0),
    ParticleSwarmOptimizer(ElmanRegressor(n_hidden=2), population_size=40, max_iter=1000,
                           random_state=0),
    SimulatedAnnealingOptimizer(ElmanRegressor(n_hidden=2), max_iter=2000, random_state=0),
], ids=["ga", "pso", "sa"])
def test_teacher_student(search):
    X, y, teacher_loss = _teacher_data()
    search.fit(X, y)
    assert search.best_loss_ <= 0.1 * search.initial_loss_
    if not isinstance(search, SimulatedAnnealingOptimizer):
        assert search.best_loss_ <= 1.05 * teacher_loss
    # the fitted network holds the best weights and reports their loss
    assert search.best_estimator_.evaluate_loss(X, y) == pytest.approx(search.best_loss_,
                                                                       rel=1e-10)
    assert np.all(np.diff(search.loss_curve_) <= 0)
    assert len(search.loss_curve_) == search.n_iter_ == search.max_iter


def test_iris_particle_swarm():
    X, y = load_iris(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0,
                                                        stratify=y)
    scaler = StandardScaler().fit(X_train)
    search = ParticleSwarmOptimizer(ElmanClassifier(n_hidden=4), population_size=30,
                                    max_iter=300, random_state=1)
    search.fit(scaler.transform(X_train), y_train)
    assert search.score(scaler.transform(X_test), y_test) >= 0.93
    proba = search.predict_proba(scaler.transform(X_test))
    assert proba.shape == (45, 3)
    np.testing.assert_array_equal(search.classes_, [0, 1, 2])


def _small(cls, estimator=None, **params):
    settings = dict(population_size=10, max_iter=15, random_state=0) | params
    return cls(estimator or ElmanRegressor(n_hidden=3), **settings)


def _series(n=60, seed=0):
    t = np.linspace(0, 4 * np.pi, n)
    rng = np.random.RandomState(seed)
    return np.sin(t)[:, None] + 0.01 * rng.randn(n, 1), np.sin(t + 0.5)


@pytest.mark.parametrize("cls", SEARCHES)
def test_reproducible_from_seed(cls):
    X, y = _series()
    a, b = _small(cls).fit(X, y), _small(cls).fit(X, y)
    np.testing.assert_array_equal(a.loss_curve_, b.loss_curve_)
    np.testing.assert_array_equal(a.best_estimator_.get_flat_weights(),
                                  b.best_estimator_.get_flat_weights())
    c = _small(cls).set_params(random_state=1).fit(X, y)
    assert c.loss_curve_ != a.loss_curve_
    # and the thread count changes nothing
    d = _small(cls, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(a.loss_curve_, d.loss_curve_)


@pytest.mark.parametrize("cls", SEARCHES)
def test_partial_fit_continues(cls):
    X, y = _series()
    search = _small(cls).fit(X, y)
    n_eval, n_iter, best = search.n_evaluations_, search.n_iter_, search.best_loss_
    state = {k: np.copy(v) for k, v in search._state.items() if isinstance(v, np.ndarray)}
    search.partial_fit(X, y)
    assert search.n_iter_ == n_iter + 1
    assert len(search.loss_curve_) == n_iter + 1
    assert search.best_loss_ <= best
    # the old population was carried over (re-evaluated), not drawn anew
    assert search.n_evaluations_ > n_eval + search.population_size
    fresh = _small(cls)
    fresh.partial_fit(X, y)
    assert fresh.n_iter_ == 1
    for key, old in state.items():
        new = search._state[key]
        if old.ndim == 2:  # populations move by small steps from where they were
            assert np.abs(new - old).mean() < np.abs(fresh._state[key] - old).mean()
    # on new data, the best loss is that of the kept weights on the new data
    X2, y2 = _series(seed=5)
    search.partial_fit(X2, y2)
    assert search.best_estimator_.evaluate_loss(X2, y2) == pytest.approx(search.best_loss_)


def test_partial_fit_keeps_temperature():
    X, y = _series()
    search = _small(SimulatedAnnealingOptimizer).fit(X, y)
    T = search.temperature_
    search.partial_fit(X, y)
    assert search.temperature_ < T
    assert search.temperature_ == pytest.approx(T * search.cooling_rate)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_refine_continues_with_the_networks_solver():
    X, y = _series()
    search = _small(GeneticOptimizer, ElmanRegressor(n_hidden=3, solver="lbfgs", max_iter=50),
                    refine=True).fit(X, y)
    assert search.refined_loss_ < search.best_loss_
    assert search.best_estimator_.evaluate_loss(X, y) == pytest.approx(search.refined_loss_)
    assert not search.best_estimator_.warm_start


def test_stopping_criteria():
    X, y = _series()
    full = _small(ParticleSwarmOptimizer, max_iter=40).fit(X, y)
    target = full.loss_curve_[9]
    early = _small(ParticleSwarmOptimizer, max_iter=40, target_loss=target).fit(X, y)
    first = next(i for i, loss in enumerate(full.loss_curve_) if loss <= target)
    assert early.n_iter_ == first + 1 < 40 and early.best_loss_ <= target
    # a tolerance no improvement can meet stops after n_iter_no_change iterations
    stalled = _small(ParticleSwarmOptimizer, max_iter=40, n_iter_no_change=3,
                     tol=1e9).fit(X, y)
    assert stalled.n_iter_ == 3


@pytest.mark.parametrize("selection", ["tournament", "rank"])
@pytest.mark.parametrize("crossover", ["uniform", "one_point", "blend"])
def test_genetic_operators_improve(selection, crossover):
    X, y = _series()
    search = _small(GeneticOptimizer, selection=selection, crossover=crossover,
                    max_iter=30).fit(X, y)
    assert search.best_loss_ < 0.5 * search.initial_loss_
    # elitism: the best of every generation survives into the next
    assert search.population_losses_.min() == pytest.approx(search.best_loss_)


@pytest.mark.parametrize("params", [
    dict(cooling="linear"), dict(cooling="logarithmic"),
    dict(step_adaptation="one_fifth"), dict(step_adaptation="none"),
    dict(n_restarts=2),
])
def test_annealing_options_improve(params):
    X, y = _series()
    # a cool start: the automatic temperature makes the first half a random walk
    settings = dict(initial_temperature=0.005) | params
    search = _small(SimulatedAnnealingOptimizer, max_iter=150, **settings).fit(X, y)
    assert search.best_loss_ < 0.7 * search.initial_loss_
    if params.get("step_adaptation") == "none":
        np.testing.assert_array_equal(search.step_sizes_, search.step_size)


def test_particle_swarm_options():
    X, y = _series()
    clamped = _small(ParticleSwarmOptimizer, velocity_clamp=0.01, topology="ring").fit(X, y)
    assert np.abs(clamped.velocities_).max() <= 0.01
    assert clamped.best_loss_ < clamped.initial_loss_


def test_verbose(capsys):
    X, y = _series()
    _small(GeneticOptimizer, max_iter=3, verbose=2).fit(X, y)
    assert capsys.readouterr().out.count("best loss") == 3
    # verbose=1 summarises: the first and last lines at least, at most one a second
    _small(GeneticOptimizer, max_iter=3, verbose=True).fit(X, y)
    assert 2 <= capsys.readouterr().out.count("best loss") <= 3


def test_tags_follow_the_wrapped_estimator_and_grid_search():
    assert is_classifier(GeneticOptimizer(ElmanClassifier()))
    assert is_regressor(GeneticOptimizer(ElmanRegressor()))
    assert hasattr(GeneticOptimizer(ElmanClassifier()), "predict_proba")
    assert not hasattr(GeneticOptimizer(ElmanRegressor()), "predict_proba")
    X, y = _series(40)
    grid = GridSearchCV(_small(GeneticOptimizer, max_iter=3),
                        {"estimator__n_hidden": [2, 3], "population_size": [6, 8]}, cv=2)
    grid.fit(X, y)
    assert grid.best_params_["estimator__n_hidden"] in (2, 3)
    assert grid.best_estimator_.best_estimator_.n_hidden == grid.best_params_[
        "estimator__n_hidden"]


def test_lstm_and_float32_search():
    X, y = _series()
    search = _small(ParticleSwarmOptimizer, LSTMRegressor(n_hidden=3)).fit(
        X.astype(np.float32), y)
    assert search.best_estimator_.get_flat_weights().dtype == np.float32
    assert search.best_loss_ < search.initial_loss_
    restored = pickle.loads(pickle.dumps(search))
    np.testing.assert_array_equal(restored.predict(X.astype(np.float32)),
                                  search.predict(X.astype(np.float32)))


def test_errors_and_failed_calls_keep_the_model():
    X, y = _series()
    with pytest.raises(ValueError, match="skrnn network trained by gradient"):
        GeneticOptimizer(Ridge()).fit(X, y)
    with pytest.raises(ValueError, match="population_size"):
        GeneticOptimizer(ElmanRegressor(), population_size=0).fit(X, y)
    with pytest.raises(ValueError, match="n_elites"):
        GeneticOptimizer(ElmanRegressor(), population_size=4, n_elites=4).fit(X, y)
    with pytest.raises(ValueError, match="tournament_size"):
        GeneticOptimizer(ElmanRegressor(), population_size=4, tournament_size=5).fit(X, y)
    with pytest.raises(ValueError, match="topology"):
        ParticleSwarmOptimizer(ElmanRegressor(), topology="star").fit(X, y)
    with pytest.raises(ValueError, match="cooling"):
        SimulatedAnnealingOptimizer(ElmanRegressor(), cooling="fast").fit(X, y)
    search = _small(GeneticOptimizer).fit(X, y)
    before = search.predict(X)
    state = (search.n_iter_, search.n_evaluations_, search.best_loss_)
    X_bad = X.copy()
    X_bad[3] = np.nan
    for call in (search.fit, search.partial_fit):
        with pytest.raises(ValueError):
            call(X_bad, y)
        np.testing.assert_array_equal(search.predict(X), before)
        assert (search.n_iter_, search.n_evaluations_, search.best_loss_) == state
    with pytest.raises(ValueError, match="features"):
        search.partial_fit(np.hstack([X, X]), y)
    assert (search.n_iter_, search.n_evaluations_, search.best_loss_) == state


# -- scikit-learn's checks ----------------------------------------------------------

def _instances():
    # budgets that reach the score the regression checks ask (R^2 > 0.5)
    settings = dict(population_size=16, max_iter=60, random_state=0)
    for cls in SEARCHES:
        extra = dict(initial_temperature=0.01) if cls is SimulatedAnnealingOptimizer else {}
        yield cls(ElmanRegressor(n_hidden=4), **settings, **extra)
        yield cls(ElmanClassifier(n_hidden=4), **settings, **extra)


_SERIES_XFAILS = {
    "check_methods_subset_invariance":
        "rows of a 2D X are time steps of one series; a row's prediction depends on the "
        "rows before it",
    "check_methods_sample_order_invariance":
        "rows of a 2D X are time steps of one series; reordering them changes the series",
}


def _xfails(search):
    if is_classifier(search):
        return {}
    # weighted rows of a 2D series are weighted steps, not repeated ones
    return {**_SERIES_XFAILS, "check_sample_weight_equivalence_on_dense_data":
            "rows of a 2D X are time steps of one series; repeating a row changes the series"}


@parametrize_with_checks(list(_instances()), expected_failed_checks=_xfails)
def test_sklearn_compatible(estimator, check, monkeypatch):
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    check(estimator)
