"""sample_weight and class_weight of the networks trained by backpropagation through time."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.utils.class_weight import compute_class_weight

from skrnn import (
    CTRNNClassifier,
    CTRNNRegressor,
    ElmanClassifier,
    ElmanRegressor,
    JordanClassifier,
    JordanRegressor,
    LSTMClassifier,
    LSTMRegressor,
    SecondOrderClassifier,
    SecondOrderRegressor,
)

# short fits on purpose: the comparisons need the same steps, not convergence
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

REGRESSORS = [ElmanRegressor, JordanRegressor, LSTMRegressor, CTRNNRegressor,
              SecondOrderRegressor]
CLASSIFIERS = [ElmanClassifier, JordanClassifier, LSTMClassifier, CTRNNClassifier,
               SecondOrderClassifier]
# full-batch L-BFGS from the same initial weights: deterministic, so a weighted
# fit and a fit on repeated data take the same steps
LBFGS = dict(n_hidden=4, solver="lbfgs", max_iter=15, random_state=0)


def _data(n=12, T=6, n_features=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, T, n_features))
    y_seq = X[:, :, 0].sum(axis=1)
    return X, y_seq, (y_seq > np.median(y_seq)).astype(int)


def _repeat(weights, *arrays):
    idx = np.repeat(np.arange(len(weights)), weights)
    return [a[idx] for a in arrays]


@pytest.mark.parametrize("cls", REGRESSORS + CLASSIFIERS)
def test_integer_weights_equal_repeated_sequences(cls):
    # weight 0 drops a sequence, weight 3 counts it three times
    X, y_reg, y_clf = _data()
    y = y_clf if cls in CLASSIFIERS else y_reg
    w = np.array([1, 3, 0, 2, 1, 0, 1, 2, 1, 1, 0, 2])
    weighted = cls(**LBFGS).fit(X, y, sample_weight=w)
    Xr, yr = _repeat(w, X, y)
    repeated = cls(**LBFGS).fit(Xr, yr)
    assert_allclose(weighted.get_flat_weights(), repeated.get_flat_weights(),
                    rtol=1e-6, atol=1e-8)
    assert weighted.loss_ == pytest.approx(repeated.loss_, rel=1e-8)


def test_per_step_weights_equal_repeated_steps():
    # a list of sequences with a target per step: weights in y's layout; a
    # sequence weighted 2 at every step is that sequence given twice
    rng = np.random.default_rng(1)
    X = [rng.normal(size=(n, 2)) for n in (5, 7, 4, 6)]
    y = [x[:, 0] * 0.5 + x[:, 1] for x in X]
    w_seq = np.array([2, 1, 0, 1])
    w = [np.full(len(x), float(k)) for x, k in zip(X, w_seq)]
    weighted = ElmanRegressor(**LBFGS).fit(X, y, sample_weight=w)
    idx = np.repeat(np.arange(4), w_seq)
    repeated = ElmanRegressor(**LBFGS).fit([X[i] for i in idx], [y[i] for i in idx])
    assert_allclose(weighted.get_flat_weights(), repeated.get_flat_weights(),
                    rtol=1e-6, atol=1e-8)
    # one weight per sequence means the same
    per_seq = ElmanRegressor(**LBFGS).fit(X, y, sample_weight=w_seq)
    assert_allclose(per_seq.get_flat_weights(), weighted.get_flat_weights(), rtol=1e-12)


def test_per_step_weights_of_a_series_weigh_each_step():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(60, 1))
    y = np.roll(X[:, 0], 1)
    w = rng.uniform(0.5, 2.0, size=60)
    model = ElmanRegressor(**LBFGS).fit(X, y)
    seqs = model._prepare(X, y, reset=False, sample_weight=w)
    assert_allclose(seqs.W, w)
    loss_w = model._objective(model._theta, seqs, model._initial_state(seqs),
                              need_grad=False)[0]
    P = model.predict(X)
    penalty = sum(float(np.sum(W ** 2)) for W in model._network.penalised(
        model._views(model._theta)))
    expected = (0.5 * np.sum(w * (P - y) ** 2) + 0.5 * model.alpha * penalty) / w.sum()
    assert loss_w == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("cls", [ElmanRegressor, LSTMClassifier, CTRNNRegressor,
                                 SecondOrderClassifier, JordanRegressor])
def test_weighted_gradient_matches_finite_differences(cls):
    X, y_reg, y_clf = _data(n=5, T=4)
    y = y_clf if cls in CLASSIFIERS else y_reg
    w = np.array([0.5, 2.0, 0.0, 1.5, 3.0])
    model = cls(n_hidden=3, solver="lbfgs", max_iter=2, alpha=0.1, random_state=0)
    model.fit(X, y)
    seqs = model._prepare(X, y, reset=False, sample_weight=w)
    state0 = model._initial_state(seqs)
    theta = model._theta.copy()
    _, grad, _ = model._objective(theta, seqs, state0)
    eps = 1e-6
    numeric = np.empty_like(theta)
    for i in range(theta.shape[0]):
        up, down = theta.copy(), theta.copy()
        up[i] += eps
        down[i] -= eps
        numeric[i] = (model._objective(up, seqs, state0, need_grad=False)[0]
                      - model._objective(down, seqs, state0, need_grad=False)[0]) / (2 * eps)
    assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)
    # and the weights matter: the unweighted gradient differs
    seqs.W = None
    assert not np.allclose(model._objective(theta, seqs, state0)[1], grad)


def test_weighted_partial_fit_zero_weights_drop_sequences():
    # one batch per call, no shuffling: a zero weight is the sequence left out
    X, y, _ = _data(n=10)
    w = np.array([1, 0, 1, 1, 0, 1, 1, 1, 0, 1], dtype=float)
    params = dict(n_hidden=4, solver="sgd", batch_size=50, shuffle=False, random_state=0)
    weighted, dropped = ElmanRegressor(**params), ElmanRegressor(**params)
    for chunk in (slice(0, 5), slice(5, 10)):
        weighted.partial_fit(X[chunk], y[chunk], sample_weight=w[chunk])
        keep = w[chunk] > 0
        dropped.partial_fit(X[chunk][keep], y[chunk][keep])
    assert_allclose(weighted.get_flat_weights(), dropped.get_flat_weights(), rtol=1e-10)


def test_stochastic_fit_uses_the_weights():
    X, y, _ = _data(n=20)
    params = dict(n_hidden=4, max_iter=5, random_state=0)
    w = np.linspace(0.1, 3.0, 20)
    a = ElmanRegressor(**params).fit(X, y, sample_weight=w)
    b = ElmanRegressor(**params).fit(X, y)
    assert not np.allclose(a.get_flat_weights(), b.get_flat_weights())
    ones = ElmanRegressor(**params).fit(X, y, sample_weight=np.ones(20))
    assert_allclose(ones.get_flat_weights(), b.get_flat_weights(), rtol=1e-12)


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_class_weight_is_a_weight_per_label(cls):
    X, _, y = _data(n=12)
    y = np.where(np.arange(12) < 9, "a", "b")  # imbalanced, string labels
    sw = np.linspace(0.5, 1.5, 12)
    balanced = cls(class_weight="balanced", **LBFGS).fit(X, y, sample_weight=sw)
    cw = compute_class_weight("balanced", classes=np.array(["a", "b"]), y=y)
    by_hand = cls(**LBFGS).fit(X, y, sample_weight=sw * np.where(y == "a", cw[0], cw[1]))
    assert_allclose(balanced.get_flat_weights(), by_hand.get_flat_weights(), rtol=1e-10)
    as_dict = cls(class_weight={"b": 4.0}, **LBFGS).fit(X, y)
    by_hand = cls(**LBFGS).fit(X, y, sample_weight=np.where(y == "b", 4.0, 1.0))
    assert_allclose(as_dict.get_flat_weights(), by_hand.get_flat_weights(), rtol=1e-10)
    assert cls(class_weight="balanced").get_params()["class_weight"] == "balanced"


def test_regressors_have_no_class_weight():
    assert "class_weight" not in ElmanRegressor().get_params()
    assert "class_weight" in ElmanClassifier().get_params()


@pytest.mark.parametrize("sample_weight, message", [
    (np.ones(5), "shape"),
    (np.ones((12, 6)), "shape"),
    (-np.ones(12), "non-negative"),
    (np.r_[np.nan, np.ones(11)], "finite"),
    (np.zeros(12), "zero everywhere"),
])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_bad_weights_raise_and_leave_the_model(sample_weight, message, method):
    X, y, labels = _data()
    model = ElmanClassifier(n_hidden=4, max_iter=3, random_state=0).fit(X, labels)
    before = model.get_flat_weights()
    attributes = set(vars(model))
    kwargs = {"classes": [0, 1]} if method == "partial_fit" else {}
    with pytest.raises(ValueError, match=message):
        getattr(model, method)(X, labels, sample_weight=sample_weight, **kwargs)
    assert_allclose(model.get_flat_weights(), before)
    assert set(vars(model)) == attributes


def test_bad_class_weight_raises_and_leaves_the_model():
    X, _, y = _data()
    model = ElmanClassifier(n_hidden=4, max_iter=3, random_state=0).fit(X, y)
    before = model.get_flat_weights()
    with pytest.raises(ValueError, match="not among the classes"):
        model.set_params(class_weight={7: 2.0}).partial_fit(X, y)
    with pytest.raises(ValueError, match="non-negative"):
        model.set_params(class_weight={1: -1.0}).partial_fit(X, y)
    with pytest.raises(ValueError, match="zero for every sequence"):
        model.set_params(class_weight={0: 0.0, 1: 0.0}).partial_fit(X, y)
    assert_allclose(model.get_flat_weights(), before)


def test_per_step_weight_shapes_are_checked():
    X, _, _ = _data(n=4, T=5)
    y = X[:, :, 0]
    model = ElmanRegressor(**LBFGS)
    with pytest.raises(ValueError, match="a weight per step"):
        model.fit(X, y, sample_weight=np.ones((4, 3)))
    model.fit(X, y, sample_weight=np.ones((4, 5)))  # per step
    model.fit(X, y, sample_weight=np.ones(4))  # per sequence


def test_metadata_routing_through_grid_search_and_cross_validate():
    X, y, _ = _data(n=16)
    w = np.r_[np.zeros(4), np.ones(12)]
    with sklearn.config_context(enable_metadata_routing=True):
        model = ElmanRegressor(**LBFGS).set_fit_request(sample_weight=True)
        model.set_score_request(sample_weight=False)
        search = GridSearchCV(model, {"alpha": [1e-4]}, cv=2).fit(X, y, sample_weight=w)
        direct = ElmanRegressor(**LBFGS).fit(X, y, sample_weight=w)
        assert_allclose(search.best_estimator_.get_flat_weights(),
                        direct.get_flat_weights(), rtol=1e-12)
        # a fold is fitted with its own rows' weights: the first fold's
        # training half, weighted, is the last 8 sequences alone
        result = cross_validate(model, X, y, cv=2, params={"sample_weight": w},
                                return_estimator=True)
        alone = ElmanRegressor(**LBFGS).fit(X[8:], y[8:])
        assert_allclose(result["estimator"][0].get_flat_weights(), alone.get_flat_weights(),
                        rtol=1e-12)


@pytest.mark.parametrize("cls", [ElmanRegressor, JordanClassifier])
def test_weighted_population_loss_equals_repeated_sequences(cls):
    # the weighted Python pass against the compiled kernel on repeated data
    X, y_reg, y_clf = _data()
    y = y_clf if cls in CLASSIFIERS else y_reg
    w = np.array([1, 3, 0, 2, 1, 0, 1, 2, 1, 1, 0, 2])
    model = cls(**LBFGS).fit(X, y)
    rng = np.random.default_rng(0)
    thetas = model.get_flat_weights() + 0.1 * rng.normal(size=(4, model._theta.shape[0]))
    Xr, yr = _repeat(w, X, y)
    assert_allclose(model.population_loss(thetas, X, y, sample_weight=w),
                    model.population_loss(thetas, Xr, yr), rtol=1e-10)
    assert model.evaluate_loss(X, y, sample_weight=w) == pytest.approx(
        model.evaluate_loss(Xr, yr), rel=1e-10)


def test_weight_search_passes_weights_to_the_population_loss():
    from skrnn import GeneticOptimizer

    X, y, _ = _data()
    w = np.r_[np.full(6, 5.0), np.full(6, 0.2)]
    search = GeneticOptimizer(ElmanRegressor(n_hidden=3), population_size=6, max_iter=3,
                              refine=True, random_state=0)
    search.fit(X, y, sample_weight=w)
    net = search.best_estimator_
    # the loss it reports is the weighted one, at the weights it found
    assert search.refined_loss_ == pytest.approx(net.evaluate_loss(X, y, sample_weight=w))
    assert search.refined_loss_ != pytest.approx(net.evaluate_loss(X, y))
    search.partial_fit(X, y, sample_weight=w)


def test_metadata_routing_through_a_pipeline():
    from sklearn.pipeline import make_pipeline

    from skrnn.preprocessing import SequenceScaler

    X, y, _ = _data(n=10)
    w = np.linspace(0.0, 2.0, 10)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(SequenceScaler().set_fit_request(sample_weight=False),
                             ElmanRegressor(**LBFGS).set_fit_request(sample_weight=True))
        pipe.fit(X, y, sample_weight=w)
    Xs = SequenceScaler().fit_transform(X)
    direct = ElmanRegressor(**LBFGS).fit(Xs, y, sample_weight=w)
    assert_allclose(pipe[-1].get_flat_weights(), direct.get_flat_weights(), rtol=1e-12)


class _NoWeights(ElmanRegressor):
    def fit(self, X, y):
        return super().fit(X, y)


def test_transformed_target_regressor_passes_the_weights_on():
    from skrnn import SequenceTransformedTargetRegressor

    X, y, _ = _data(n=10)
    w = np.r_[np.zeros(3), np.ones(7)]
    wrapped = SequenceTransformedTargetRegressor(ElmanRegressor(**LBFGS))
    wrapped.fit(X, y, sample_weight=w)
    unweighted = SequenceTransformedTargetRegressor(ElmanRegressor(**LBFGS)).fit(X, y)
    assert not np.allclose(wrapped.regressor_.get_flat_weights(),
                           unweighted.regressor_.get_flat_weights())
    no_weights = SequenceTransformedTargetRegressor(_NoWeights(n_hidden=4))
    with pytest.raises(ValueError, match="takes no sample_weight"):
        no_weights.fit(X, y, sample_weight=w)
    assert not hasattr(no_weights, "regressor_")
