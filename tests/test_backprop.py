"""Back-propagation networks over lag windows: kernel, rules, estimators, critical points."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from skrnn import BackPropagationClassifier, BackPropagationRegressor
from skrnn._activations import ACTIVATION_CODES
from skrnn._kernels._lagnet import lagnet_forward, lagnet_train
from skrnn.backprop._windows import training_windows
from skrnn.metrics import (
    critical_point_false_alarm_rate,
    critical_point_hit_rate,
    critical_point_scorer,
    critical_point_scores,
)

from . import _backprop_reference as ref

RTOL = {np.float32: 1e-4, np.float64: 1e-11}


def _series(n=60, n_features=2, seed=0):
    rng = np.random.RandomState(seed)
    X = np.cumsum(rng.uniform(-0.3, 0.3, (n, n_features)), axis=0)
    return X, rng.uniform(-1, 1, (n, 2))


def _weights(sizes, seed=0, dtype=np.float64):
    rng = np.random.RandomState(seed)
    Ws = [rng.uniform(-0.7, 0.7, (a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [rng.uniform(-0.3, 0.3, b) for b in sizes[1:]]
    theta = np.concatenate([np.concatenate([W.ravel(), b]) for W, b in zip(Ws, bs)])
    return Ws, bs, theta.astype(dtype)


def _unflatten(theta, sizes):
    Ws, bs, start = [], [], 0
    for a, b in zip(sizes[:-1], sizes[1:]):
        Ws.append(theta[start:start + a * b].reshape(a, b))
        bs.append(theta[start + a * b:start + (a + 1) * b])
        start += (a + 1) * b
    return Ws, bs


def _mean_loss(X, Y, rows, n_lags, theta, sizes, activation, output, squared_error):
    out = np.empty((rows.shape[0], sizes[-1]))
    lagnet_forward(X, rows, np.zeros_like(rows), n_lags, theta, sizes,
                   ACTIVATION_CODES[activation], ACTIVATION_CODES[output], out)
    if output == "identity" or squared_error:
        return 0.5 * np.sum((out - Y[rows]) ** 2) / rows.shape[0]
    if output == "logistic":
        y = Y[rows]
        return -np.sum(y * np.log(out) + (1 - y) * np.log(1 - out)) / rows.shape[0]
    return -np.sum(Y[rows] * np.log(out)) / rows.shape[0]


@pytest.mark.parametrize("hidden", [(5,), (4, 3)])
@pytest.mark.parametrize("activation", ["tanh", "logistic"])
@pytest.mark.parametrize("output, squared_error", [
    ("identity", True), ("logistic", False), ("logistic", True), ("softmax", False)])
def test_gradient_matches_finite_differences(hidden, activation, output, squared_error):
    """A full-batch step at rate 1 without momentum is minus the mean gradient."""
    n_lags = 3
    X, _ = _series(20)
    rng = np.random.RandomState(1)
    n_out = 1 if output == "logistic" else 2
    if output == "identity":
        Y = rng.uniform(-1, 1, (20, n_out))
    elif output == "logistic" and squared_error:
        Y = rng.uniform(0.1, 0.9, (20, 1))
    elif output == "logistic":
        Y = rng.randint(0, 2, (20, 1)).astype(float)
    else:
        Y = np.eye(2)[rng.randint(0, 2, 20)]
    sizes = np.array([n_lags * 2, *hidden, n_out], dtype=np.intp)
    _, _, theta = _weights(sizes)
    rows, _ = training_windows(np.array([0, 20]), n_lags, True)
    stepped = theta.copy()
    lagnet_train(X, Y, rows, rows, n_lags, stepped, np.zeros_like(theta), sizes,
                 np.ones(len(sizes) - 1), 0.0, False, 0.0, 0.0, ACTIVATION_CODES[activation],
                 ACTIVATION_CODES[output], rows.shape[0], squared_error)
    grad = theta - stepped
    eps = 1e-6
    numeric = np.empty_like(theta)
    for i in range(theta.shape[0]):
        e = np.zeros_like(theta)
        e[i] = eps
        args = (X, Y, rows, n_lags)
        numeric[i] = (_mean_loss(*args, theta + e, sizes, activation, output, squared_error)
                      - _mean_loss(*args, theta - e, sizes, activation, output, squared_error)
                      ) / (2 * eps)
    assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


RULES = {
    "plain": {},
    "momentum": {"momentum": 0.7},
    "self_momentum": {"self_momentum": True},
    "jung": {"jung": 4.0},
    "freud": {"freud": 1.5},
    "jung_freud_momentum": {"jung": 4.0, "freud": 1.5, "momentum": 0.5},
    "jung_freud_self": {"jung": 4.0, "freud": 1.5, "self_momentum": True},
}


@pytest.mark.parametrize("rule", list(RULES))
@pytest.mark.parametrize("hidden, batch_size, output", [
    ((5,), 1, "identity"), ((4, 3), 1, "identity"), ((5,), 4, "identity"),
    ((5,), 1, "logistic")])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_training_matches_numpy_transcription(rule, hidden, batch_size, output, dtype):
    """Every rule's updates equal the documented equations, pattern after pattern."""
    n_lags = 4
    X, Y = _series(40)
    if output == "logistic":
        Y = (Y + 1) / 2
    X, Y = X.astype(dtype), Y.astype(dtype)
    sizes = np.array([n_lags * 2, *hidden, 2], dtype=np.intp)
    Ws, bs, theta = _weights(sizes, dtype=dtype)
    rows, target_rows = training_windows(np.array([0, 40]), n_lags, True)
    order = np.random.RandomState(3).permutation(rows.shape[0])
    rows, target_rows = rows[order], target_rows[order]
    rates = np.array([0.05, 0.08, 0.03][:len(sizes) - 1])
    opts = RULES[rule]
    lagnet_train(X, Y, rows, target_rows, n_lags, theta, np.zeros_like(theta), sizes, rates,
                 opts.get("momentum", 0.0), opts.get("self_momentum", False),
                 opts.get("jung", 0.0), opts.get("freud", 0.0), ACTIVATION_CODES["tanh"],
                 ACTIVATION_CODES[output], batch_size, True)
    Ws_ref, bs_ref = ref.train(X.astype(np.float64), Y.astype(np.float64), rows, target_rows,
                               n_lags, Ws, bs, rates=rates, activation="tanh",
                               batch_size=batch_size, output=output, squared_error=True,
                               **opts)
    Ws_k, bs_k = _unflatten(theta, sizes)
    for W, W_ref in zip(Ws_k + bs_k, Ws_ref + bs_ref):
        assert_allclose(W, W_ref, rtol=RTOL[dtype], atol=RTOL[dtype])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_rules_change_the_updates():
    """Each rule moves the weights differently from plain back-propagation."""
    X, y = _series(50, 1)[0], _series(50, 1)[1][:, 0]
    fits = {name: BackPropagationRegressor(n_lags=4, max_iter=3, shuffle=False,
                                           random_state=0, **opts).fit(X, y)
            for name, opts in [("plain", {}), ("m", {"momentum": 0.5}),
                               ("self", {"momentum": "self"}), ("jung", {"jung": 4.0}),
                               ("freud", {"freud": 1.0})]}
    for name in ("m", "self", "jung", "freud"):
        assert not np.allclose(fits[name].coefs_[0], fits["plain"].coefs_[0])
    # the rules scale the input layer's rates only, but the changed hidden
    # values then change the updates of the layers above
    for name in ("jung", "freud"):
        assert not np.array_equal(fits[name].coefs_[1], fits["plain"].coefs_[1])


def test_forward_matches_reference_and_pads_the_start():
    X, _ = _series(12)
    sizes = np.array([6, 4, 2], dtype=np.intp)
    Ws, bs, theta = _weights(sizes)
    rows = np.arange(12, dtype=np.intp)
    firsts = np.where(rows < 6, 0, 6).astype(np.intp)  # two sequences of 6 rows
    out = np.empty((12, 2))
    lagnet_forward(X, rows, firsts, 3, theta, sizes, ACTIVATION_CODES["logistic"],
                   ACTIVATION_CODES["identity"], out)
    expected = [ref.forward(X, t, 3, Ws, bs, "logistic", first=f)[-1]
                for t, f in zip(rows, firsts)]
    assert_allclose(out, expected, rtol=1e-12)


def test_windows_are_not_copied():
    """The training windows are row indices into the series, nothing more."""
    rows, targets = training_windows(np.array([0, 5, 12]), 3, True)
    assert_array_equal(rows, [2, 3, 4, 7, 8, 9, 10, 11])
    assert_array_equal(targets, rows)
    rows, targets = training_windows(np.array([0, 5]), 3, True, n_history=2)
    assert_array_equal(rows, [2, 3, 4])
    assert_array_equal(targets, [0, 1, 2])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_seed_and_pickle(dtype):
    X, Y = _series(80, 1)
    X, y = X.astype(dtype), Y[:, 0].astype(dtype)
    a = BackPropagationRegressor(n_lags=4, max_iter=5, random_state=0)
    b = BackPropagationRegressor(n_lags=4, max_iter=5, random_state=0)
    with pytest.warns(ConvergenceWarning):
        a.fit(X, y)
    with pytest.warns(ConvergenceWarning):
        b.fit(X, y)
    assert a.coefs_[0].dtype == dtype and a.predict(X).dtype == dtype
    for Wa, Wb in zip(a.coefs_, b.coefs_):
        assert_array_equal(Wa, Wb)
    c = pickle.loads(pickle.dumps(a))
    assert_array_equal(c.predict(X), a.predict(X))
    c.partial_fit(X, y)
    assert c.coefs_[0] is not None and not np.allclose(c.coefs_[0], a.coefs_[0])
    assert np.shares_memory(c.coefs_[0], c._theta)


def test_partial_fit_on_chunks_equals_one_epoch():
    """Windows span the chunks: streaming a series makes the updates of one epoch."""
    X, Y = _series(90, 2)
    y = Y[:, 0]
    opts = dict(n_lags=5, momentum=0.6, jung=3.0, freud=0.5, shuffle=False, random_state=0)
    whole = BackPropagationRegressor(max_iter=1, **opts)
    with pytest.warns(ConvergenceWarning):
        whole.fit(X, y)
    streamed = BackPropagationRegressor(**opts)
    for start, stop in [(0, 30), (30, 31), (31, 90)]:
        streamed.partial_fit(X[start:stop], y[start:stop])
    for Ww, Ws in zip(whole.coefs_ + whole.intercepts_,
                      streamed.coefs_ + streamed.intercepts_):
        assert_allclose(Ws, Ww, rtol=1e-12)
    assert streamed.t_ == whole.t_ == 90 - 4


@pytest.mark.parametrize("cuts", [[0, 3, 6, 9, 12, 90], [0, 1, 2, 4, 5, 90]])
def test_partial_fit_on_chunks_shorter_than_a_window(cuts):
    """A stream may start with chunks shorter than n_lags (as dask blocks can be):
    they wait as history, and the stream still makes the updates of one epoch."""
    X, Y = _series(90, 2)
    y = Y[:, 0]
    opts = dict(n_lags=5, momentum=0.6, shuffle=False, random_state=0)
    whole = BackPropagationRegressor(max_iter=1, **opts)
    with pytest.warns(ConvergenceWarning):
        whole.fit(X, y)
    streamed = BackPropagationRegressor(**opts)
    for start, stop in zip(cuts[:-1], cuts[1:]):
        streamed.partial_fit(X[start:stop], y[start:stop])
    for Ww, Ws in zip(whole.coefs_ + whole.intercepts_,
                      streamed.coefs_ + streamed.intercepts_):
        assert_allclose(Ws, Ww, rtol=1e-12)
    assert streamed.t_ == whole.t_ == 90 - 4
    assert len(streamed.loss_curve_) == streamed.n_iter_  # no epoch without windows
    # fit itself still needs a whole window
    with pytest.raises(ValueError, match="longer than the series"):
        BackPropagationRegressor(**opts).fit(X[:4], y[:4])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_partial_fit_with_mini_batches_ends_each_call_with_an_update():
    """As documented: with batch_size > 1 a stream makes the epoch's updates only
    when every chunk completes whole batches; a partial batch is applied at once."""
    X, Y = _series(90, 2)
    y = Y[:, 0]
    opts = dict(n_lags=5, batch_size=4, shuffle=False, random_state=0)
    whole = BackPropagationRegressor(max_iter=1, **opts).fit(X, y)

    def stream(cuts):
        model = BackPropagationRegressor(**opts)
        for start, stop in zip(cuts[:-1], cuts[1:]):
            model.partial_fit(X[start:stop], y[start:stop])
        return model._theta

    assert_allclose(stream([0, 32, 56, 90]), whole._theta, rtol=1e-12)  # 28, 24, 34 windows
    assert not np.allclose(stream([0, 30, 90]), whole._theta)  # 26 windows: a batch of 2


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("change", [{"n_lags": 8}, {"hidden_layer_sizes": (3, 3)}])
@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
def test_continuing_another_network_raises(change, how):
    """The weights of a fitted network cannot take a new window length or new hidden
    layers: continuing them after such a change is refused, not silently ignored."""
    X, Y = _series(60, 1)
    model = BackPropagationRegressor(n_lags=4, max_iter=2, random_state=0).fit(X, Y[:, 0])
    before = model._theta.copy()
    model.set_params(**change, warm_start=how == "warm_start")
    with pytest.raises(ValueError, match="changed since the network was fitted"):
        model.partial_fit(X, Y[:, 0]) if how == "partial_fit" else model.fit(X, Y[:, 0])
    assert_array_equal(model._theta, before)
    model.set_params(warm_start=False).fit(X, Y[:, 0])  # a refit takes the change
    assert model.n_lags_ == change.get("n_lags", 4)


def test_predict_state_continues_a_series():
    X, Y = _series(60, 1)
    model = BackPropagationRegressor(n_lags=4, max_iter=2, random_state=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, Y[:, 0])
    full = model.predict(X)
    _, state = model.predict(X[:30], return_state=True)
    assert_allclose(state[0], X[27:30, 0])
    assert_allclose(model.predict(X[30:], initial_state=state), full[30:], rtol=1e-12)
    # without a history, the start repeats the first row
    assert_allclose(model.predict(np.repeat(X[:1], 4, axis=0))[-1], model.predict(X[:1])[0])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_initial_state_of_another_shape_raises():
    """The rows before X in time order (or flattened) continue the series; the same
    values in another shape (rows transposed) are refused, not silently garbled."""
    X, Y = _series(60, 2)
    model = BackPropagationRegressor(n_lags=4, max_iter=2, random_state=0).fit(X, Y)
    full = model.predict(X)
    for state in (X[27:30], X[27:30].ravel(), X[27:30].reshape(1, -1)):
        assert_allclose(model.predict(X[30:], initial_state=state), full[30:], rtol=1e-12)
    for state in (X[27:30].T, X[26:30, :1]):  # (2, 3), and the right size but (4, 1)
        with pytest.raises(ValueError, match="initial_state must hold"):
            model.predict(X[30:], initial_state=state)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_forecast_feeds_outputs_back():
    s = np.sin(np.arange(200) * 0.3)
    X, y = s[:-1, None], s[1:]
    model = BackPropagationRegressor(n_lags=5, max_iter=20, random_state=0).fit(X, y)
    out = model.forecast(X[:100], 4)
    series = list(X[:100, 0])
    for step in range(4):
        nxt = model.predict(np.array(series)[:, None])[-1]
        assert out[step] == pytest.approx(nxt, rel=1e-10)
        series.append(nxt)
    with pytest.raises(ValueError, match="as many outputs as input features"):
        BackPropagationRegressor(n_lags=3, max_iter=1).fit(
            np.c_[X, X], y).forecast(np.c_[X, X], 2)


@pytest.mark.parametrize("params, match", [
    ({"n_lags": 0}, "n_lags"),
    ({"n_lags": 50}, "n_lags=50 is longer than the series"),
    ({"momentum": -0.1}, "momentum"),
    ({"jung": -1.0}, "jung"),
    ({"freud": -1.0}, "freud"),
    ({"momentum": "selfish"}, "momentum"),
    ({"hidden_layer_sizes": (3, 3, 3)}, "one or two hidden layers"),
    ({"learning_rate_init": [0.1, 0.2, 0.3]}, "one rate per weight layer"),
    ({"learning_rate_init": [0.1, -0.2]}, "positive"),
])
def test_bad_parameters_raise(params, match):
    X, Y = _series(40, 1)
    with pytest.raises(ValueError, match=match):
        BackPropagationRegressor(**params).fit(X, Y[:, 0])


def test_bad_input_raises_and_keeps_the_model():
    X, Y = _series(40, 1)
    model = BackPropagationRegressor(n_lags=3, max_iter=2, random_state=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, Y[:, 0])
    before = model._theta.copy()
    bad = X.copy()
    bad[5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.partial_fit(bad, Y[:, 0])
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(np.c_[X, X], Y[:, 0])
    assert_array_equal(model._theta, before)


@pytest.mark.parametrize("params", [{"learning_rate_init": 1e6},
                                    {"learning_rate_init": 0.3, "momentum": "self"}])
def test_divergence_keeps_the_weights_before_it(params):
    """Blown-up weights, infinite or merely huge, are never kept."""
    X, Y = _series(200, 1, seed=2)
    X, y = (X - X.mean()) / X.std(), np.r_[X[1:, 0], X[-1, 0]]
    y = (y - y.mean()) / y.std()
    model = BackPropagationRegressor(n_lags=8, max_iter=20, random_state=0, **params)
    with pytest.warns(ConvergenceWarning, match="diverged"):
        model.fit(X * 100, y * 100)
    assert np.all(np.isfinite(model._theta))
    assert np.abs(model.predict(X * 100)).max() < 1e4


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_per_layer_rates_act_per_layer():
    """A tiny rate on one layer all but freezes it; the other keeps learning."""
    X, Y = _series(60, 1)
    model = BackPropagationRegressor(n_lags=3, max_iter=1, random_state=0).fit(X, Y[:, 0])
    before = [W.copy() for W in model.coefs_]
    model.set_params(learning_rate_init=[1e-12, 0.1], warm_start=True).fit(X, Y[:, 0])
    assert np.max(np.abs(model.coefs_[0] - before[0])) < 1e-9
    assert np.max(np.abs(model.coefs_[1] - before[1])) > 1e-3


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_classifier_on_3d_and_rows():
    rng = np.random.RandomState(0)
    n = 60
    labels = rng.randint(0, 3, n)
    t = np.arange(12)
    X = np.sin(np.outer(labels + 1, t) * 0.4) + 0.1 * rng.randn(n, 12)
    model = BackPropagationClassifier(learning_rate_init=0.05, random_state=0,
                                      max_iter=60)
    model.fit(X, labels)
    assert model.n_lags_ == 12 and model.score(X, labels) > 0.9
    proba = model.predict_proba(X[:, :, None])
    assert proba.shape == (n, 3) and np.allclose(proba.sum(axis=1), 1)
    clf = BackPropagationClassifier(n_lags=4, max_iter=2, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, labels)
    clf.partial_fit(X, labels, classes=[0, 1, 2])
    assert clf.n_iter_ == 1


def test_critical_point_scores():
    y = np.array([0.0, 1, 2, 1, 0, 1, 2, 3])
    perfect = critical_point_scores(y, y)
    assert perfect["hit_rate"] == 1.0 and perfect["false_alarm_rate"] == 0.0
    assert perfect["n_critical"] == 2 and perfect["n_continuing"] == 4
    # persistence announces no trend at all: it never hits, never raises a false alarm
    persistence = np.r_[y[0], y[:-1]]
    assert critical_point_hit_rate(y, persistence) == 0.0
    assert critical_point_false_alarm_rate(y, persistence) == 0.0
    # always announcing a reversal of the last trend: every change hit, every
    # continuation a false alarm
    last = np.r_[0, 0, np.sign(np.diff(y))[:-1]]
    contrarian = np.r_[y[0], y[:-1]] - last
    scores = critical_point_scores(y, contrarian)
    assert scores["hit_rate"] == 1.0 and scores["false_alarm_rate"] == 1.0
    assert scores["skill"] == 0.0
    with pytest.raises(ValueError, match="one series"):
        critical_point_scores(np.ones((5, 2)), np.ones((5, 2)))
    with pytest.raises(ValueError, match="metric must be one of"):
        critical_point_scorer("accuracy")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_critical_point_scorer_in_grid_search():
    s = np.sin(np.arange(300) * 0.25) + 0.1 * np.random.RandomState(0).randn(300)
    X, y = s[:-1, None], s[1:]
    search = GridSearchCV(BackPropagationRegressor(max_iter=5, random_state=0),
                          {"freud": [0.0, 2.0]}, cv=TimeSeriesSplit(2),
                          scoring={"skill": critical_point_scorer(),
                                   "false": critical_point_scorer("false_alarm_rate")},
                          refit="skill")
    search.fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_skill"]))
    assert np.all(search.cv_results_["mean_test_false"] <= 0)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_logistic_output_regressor_at_rate_one():
    """Semeion's all-sigmoid network: targets in (0, 1), Rate = 1, self-momentum."""
    s = 0.5 + 0.4 * np.sin(np.arange(200) * 0.3)
    X, y = s[:-1, None], s[1:]
    model = BackPropagationRegressor(n_lags=4, activation="logistic",
                                     output_activation="logistic", learning_rate_init=1.0,
                                     momentum="self", max_iter=30, random_state=0).fit(X, y)
    pred = model.predict(X)
    assert np.all((pred > 0) & (pred < 1))
    assert model.score(X, y) > 0.9


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_fit_and_predict_never_build_the_window_matrix():
    """Memory stays at a few copies of the series, far below n_lags copies of it."""
    import tracemalloc

    n, n_lags = 20000, 50
    s = np.sin(np.arange(n + 1) * 0.1)
    X, y = s[:-1, None], s[1:]
    model = BackPropagationRegressor(n_lags=n_lags, hidden_layer_sizes=(4,), max_iter=1,
                                     random_state=0)
    tracemalloc.start()
    model.fit(X, y)
    model.predict(X)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    windows = n * n_lags * X.itemsize      # what one materialised window matrix takes
    assert peak < windows / 4


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("Estimator, bad", [
    (BackPropagationRegressor, {"X": np.zeros((2, 2)), "y": np.zeros(2)}),  # too short
    (BackPropagationRegressor, {"params": {"learning_rate_init": [0.1, 0.2, 0.3]}}),
    (BackPropagationRegressor, {"params": {"hidden_layer_sizes": (2, 2, 2)}}),
    (BackPropagationClassifier, {"X": np.zeros((4, 2, 3)), "y": ["a", "b", "c", "a"]}),
])
def test_failing_refit_keeps_the_fitted_model(Estimator, bad):
    """A refit that raises leaves the fitted model whole: features, targets and weights
    still agree, so predict neither fails nor reads weights of another shape."""
    rng = np.random.RandomState(0)
    if Estimator is BackPropagationRegressor:
        X, y = rng.randn(40, 1), rng.randn(40)
    else:
        X, y = rng.randn(20, 5, 1), np.tile([0, 1], 10)
    model = Estimator(n_lags=3, max_iter=2, random_state=0).fit(X, y)
    before = model.predict(X).copy()
    state = {k: v for k, v in vars(model).items() if k != "coefs_" and k != "intercepts_"}
    model.set_params(**bad.get("params", {}))
    with pytest.raises(ValueError):
        model.fit(bad.get("X", X), bad.get("y", y))
    assert model.n_features_in_ == 1
    assert set(vars(model)) == set(state) | {"coefs_", "intercepts_"}
    assert_array_equal(model.predict(X), before)
