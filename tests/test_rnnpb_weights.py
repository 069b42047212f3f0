"""RNNPBRegressor with sample weights: the weighted loss and gradient, integer
weights against repeated sequences, zero weights against dropped ones, bad
weights, metadata routing."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose
from sklearn.model_selection import GridSearchCV, KFold, cross_validate

from skrnn import RNNPBRegressor
from skrnn.rnnpb._network import CODES

from .test_gradients import finite_difference
from .test_rnnpb import X_BATCH, X_LIST, X_SERIES, initialized, rnnpb_reference

# the fits below run a fixed number of epochs on purpose
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.RandomState(7)
SEQS = [RNG.uniform(-1, 1, (n, 2)) for n in (9, 7, 8, 6)]
# full batch, no shuffling, and an epsilon too small to round: Adam's step is
# then the same for a code's gradient g and 2g, so weight 2 follows the path
# of a sequence twice
FULL_BATCH = dict(n_hidden=5, n_pb=2, solver="adam", shuffle=False, max_iter=25, tol=0,
                  epsilon=1e-300, learning_rate_init=0.02, alpha=0.01, random_state=0)


def shared(est):
    """The flat weights without the codes' logits."""
    return est.get_flat_weights()[:-est._network.n_codes * est._network.n_pb]


@pytest.mark.parametrize("X, w", [
    (X_LIST, np.array([2.0, 0.0, 0.5])),
    (X_BATCH, RNG.uniform(0, 2, X_BATCH.shape[:2])),
    (X_SERIES, np.r_[0.0, 1.0, 3.0, 0.0, 0.5, 2.0]),
], ids=["list-per-sequence", "batch-per-step", "series-per-step"])
def test_weighted_gradient_matches_finite_differences(X, w):
    """Weights and codes: the weighted mean over the predictions, penalty over the total."""
    est = RNNPBRegressor(n_hidden=3, n_pb=2, alpha=0.1)
    initialized(est, X)
    seqs = est._prepare(X, None, reset=False, sample_weight=w)
    steps = np.repeat(w, [len(x) for x in X]) if isinstance(X, list) else np.ravel(w)
    first = np.zeros(len(steps), dtype=bool)
    first[np.r_[0, np.cumsum(seqs.lengths + 1)[:-1]]] = True
    W = steps[~first]  # step t weighs the prediction of step t
    theta0 = est._theta.copy()
    loss, grad, _ = est._objective(theta0, seqs, est._initial_state(seqs))

    def reference_loss(theta):
        Y = rnnpb_reference(est, theta, seqs.X[:, :-1], seqs.offsets,
                            np.arange(seqs.n_sequences))
        penalty = sum((M ** 2).sum() for M in est._network.penalised(est._views(theta)))
        return (0.5 * (W[:, None] * (Y - seqs.Y) ** 2).sum() + 0.5 * est.alpha * penalty) / W.sum()

    assert loss == pytest.approx(reference_loss(theta0), rel=1e-12)
    assert_allclose(grad, finite_difference(reference_loss, theta0), rtol=1e-6, atol=1e-8)


def test_integer_weights_are_repeated_sequences_in_the_objective():
    """Loss and shared gradient equal; a code's gradient is its copies' together."""
    est = RNNPBRegressor(n_hidden=4, n_pb=2, alpha=0.1)
    initialized(est, SEQS)
    rho = est._views(est._theta)[CODES]
    weighted = est._prepare(SEQS, None, reset=False, sample_weight=[2, 0, 1, 3])
    loss, grad, _ = est._objective(est._theta, weighted, est._initial_state(weighted))

    copies = [0, 0, 2, 3, 3, 3]
    twin = RNNPBRegressor(n_hidden=4, n_pb=2, alpha=0.1)
    initialized(twin, [SEQS[i] for i in copies])
    n_shared = shared(est).shape[0]
    theta = np.r_[est._theta[:n_shared], rho[copies].ravel()]
    repeated = twin._prepare([SEQS[i] for i in copies], None, reset=False)
    twin_loss, twin_grad, _ = twin._objective(theta, repeated, twin._initial_state(repeated))

    assert loss == pytest.approx(twin_loss, rel=1e-12)
    assert_allclose(grad[:n_shared], twin_grad[:n_shared], rtol=1e-10, atol=1e-14)
    code_grad = est._views(grad)[CODES]
    twin_code_grad = twin._views(twin_grad)[CODES]
    assert_allclose(code_grad[0], twin_code_grad[0:2].sum(axis=0), rtol=1e-10, atol=1e-14)
    assert_allclose(code_grad[3], twin_code_grad[3:6].sum(axis=0), rtol=1e-10, atol=1e-14)
    assert_allclose(code_grad[2], twin_code_grad[2], rtol=1e-10, atol=1e-14)
    assert np.all(code_grad[1] == 0)  # weight 0: the code does not learn
    assert np.abs(code_grad[0]).max() > 1e-4


def test_integer_weights_equal_repeated_sequences_full_batch():
    weighted = RNNPBRegressor(**FULL_BATCH).fit(SEQS, sample_weight=[2, 0, 1, 1])
    copies = [0, 0, 2, 3]
    repeated = RNNPBRegressor(**FULL_BATCH).fit([SEQS[i] for i in copies])
    assert_allclose(shared(weighted), shared(repeated), rtol=1e-9, atol=1e-12)
    # the copies' codes move together, as the weighted sequence's code does
    assert_allclose(weighted.codes_[[0, 0, 2, 3]], repeated.codes_, rtol=1e-9, atol=1e-12)
    assert_allclose(weighted.codes_[1], 0.5)
    unweighted = RNNPBRegressor(**FULL_BATCH).fit(SEQS)
    assert not np.allclose(shared(weighted), shared(unweighted), rtol=1e-3)


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_zero_weight_equals_dropping_the_sequence(solver):
    params = dict(FULL_BATCH, solver=solver, max_iter=15)
    weighted = RNNPBRegressor(**params).fit(SEQS, sample_weight=[1, 0, 1, 1])
    dropped = RNNPBRegressor(**params).fit([SEQS[i] for i in (0, 2, 3)])
    assert_allclose(shared(weighted), shared(dropped), rtol=1e-9, atol=1e-12)
    assert_allclose(weighted.codes_[[0, 2, 3]], dropped.codes_, rtol=1e-9, atol=1e-12)
    assert_allclose(weighted.codes_[1], 0.5)  # never learned, where it started


@pytest.mark.parametrize("params", [
    dict(input_noise=0.2), dict(update_every="step"), dict(solver="sgd", batch_size=2),
], ids=["input-noise", "update-every-step", "sgd-mini-batches"])
def test_zero_weight_code_is_not_learned_on_every_training_path(params):
    """The weights follow the noisy copies, the prefixes and the mini-batches."""
    est = RNNPBRegressor(n_hidden=4, max_iter=4, random_state=0, **params)
    est.fit(SEQS, sample_weight=[1, 0, 1, 1])
    assert_allclose(est.codes_[1], 0.5, rtol=0)
    assert np.all(np.abs(est.codes_[[0, 2, 3]] - 0.5) > 1e-6)


def test_step_weights_weigh_predictions_and_first_steps_carry_none():
    est = RNNPBRegressor(n_hidden=4, max_iter=3, random_state=0).fit(X_SERIES)
    w = np.r_[0.0, 1.0, 3.0, 0.0, 0.5, 2.0]
    loss = est.evaluate_loss(X_SERIES, None, sample_weight=w)
    assert loss == est.evaluate_loss(X_SERIES, None, sample_weight=np.r_[9.0, w[1:]])
    assert loss != pytest.approx(est.evaluate_loss(X_SERIES, None))
    # a weight per sequence is that weight on each of its steps
    est = RNNPBRegressor(n_hidden=4, max_iter=3, random_state=0).fit(X_BATCH)
    per_sequence = np.array([1.0, 0.0, 2.0])
    assert est.evaluate_loss(X_BATCH, None, sample_weight=per_sequence) == pytest.approx(
        est.evaluate_loss(X_BATCH, None, sample_weight=np.repeat(per_sequence[:, None], 4, 1)),
        rel=1e-14)


def test_partial_fit_zero_weight_keeps_the_recognised_code():
    est = RNNPBRegressor(n_hidden=5, max_iter=5, random_state=0).fit(SEQS[:2])
    twin = RNNPBRegressor(n_hidden=5, max_iter=5, random_state=0).fit(SEQS[:2])
    recognised = est.transform([SEQS[3]])
    est.partial_fit([SEQS[2], SEQS[3]], sample_weight=[1, 0])
    twin.partial_fit([SEQS[2]])
    assert_allclose(est.codes_[3], recognised[0], rtol=1e-12)
    assert_allclose(est.codes_[:3], twin.codes_, rtol=1e-10)
    assert_allclose(shared(est), shared(twin), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("w, match", [
    ([1.0, 2.0], "shape"),
    ([1.0, -1.0, 1.0, 1.0], "non-negative"),
    ([1.0, np.nan, 1.0, 1.0], "finite"),
    ([0.0, 0.0, 0.0, 0.0], "zero everywhere"),
], ids=["shape", "negative", "nan", "all-zero"])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_bad_weights_raise_and_leave_the_model_untouched(w, match, method):
    est = RNNPBRegressor(n_hidden=4, max_iter=3, random_state=0).fit(SEQS[:3])
    before = est.get_flat_weights().copy()
    codes = est.codes_.copy()
    state = sorted(est.__dict__)
    with pytest.raises(ValueError, match=match):
        getattr(est, method)(SEQS, sample_weight=w)
    assert_allclose(est.get_flat_weights(), before, rtol=0)
    assert_allclose(est.codes_, codes, rtol=0)
    assert sorted(est.__dict__) == state


def test_series_weighing_only_its_first_step_has_nothing_to_fit():
    est = RNNPBRegressor(n_hidden=4, max_iter=3, random_state=0).fit(SEQS[0])
    before = est.get_flat_weights().copy()
    with pytest.raises(ValueError, match="zero everywhere"):
        est.fit(SEQS[1], sample_weight=np.r_[1.0, np.zeros(len(SEQS[1]) - 1)])
    assert_allclose(est.get_flat_weights(), before, rtol=0)


def _routed(est):
    return est.set_fit_request(sample_weight=True)


def test_cross_validate_routes_each_fold_its_weights():
    w = np.array([2.0, 0.0, 1.0, 3.0])
    params = dict(FULL_BATCH, max_iter=5)
    cv = KFold(2)
    with sklearn.config_context(enable_metadata_routing=True):
        result = cross_validate(_routed(RNNPBRegressor(**params)), SEQS, cv=cv,
                                params={"sample_weight": w}, return_estimator=True)
    for (train, _), fitted in zip(cv.split(SEQS), result["estimator"]):
        direct = RNNPBRegressor(**params).fit([SEQS[i] for i in train],
                                              sample_weight=w[train])
        assert_allclose(fitted.get_flat_weights(), direct.get_flat_weights(), rtol=1e-12)


def test_grid_search_refits_with_the_weights():
    w = np.array([2.0, 0.0, 1.0, 3.0])
    params = dict(FULL_BATCH, max_iter=5, recognition_max_iter=5)
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(_routed(RNNPBRegressor(**params)), {"n_hidden": [3, 5]},
                              cv=KFold(2)).fit(SEQS, sample_weight=w)
    direct = RNNPBRegressor(**dict(params, **search.best_params_)).fit(SEQS, sample_weight=w)
    assert_allclose(search.best_estimator_.get_flat_weights(), direct.get_flat_weights(),
                    rtol=1e-12)


def test_population_loss_is_the_weighted_evaluate_loss():
    """What a weight search evaluates: each candidate's weighted loss."""
    est = RNNPBRegressor(n_hidden=4, max_iter=3, random_state=0).fit(SEQS)
    thetas = est.get_flat_weights() + 0.1 * RNG.standard_normal((3, est._theta.shape[0]))
    w = [2.0, 0.0, 1.0, 0.5]
    losses = est.population_loss(thetas, SEQS, None, sample_weight=w)
    expected = [est.evaluate_loss(SEQS, None, weights=t, sample_weight=w) for t in thetas]
    assert_allclose(losses, expected, rtol=1e-12)
    assert not np.allclose(losses, est.population_loss(thetas, SEQS, None))
