"""What the LSTM estimators learn, and what is particular to them.

The behaviour they share with the other gradient-trained networks (layouts,
streaming, errors, pickling...) is tested in ``test_estimators.py``.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest

from skrnn import ElmanRegressor, LSTMClassifier, LSTMRegressor
from skrnn._losses import error_entropy_loss
from skrnn.datasets import make_adding_problem, make_reber, make_reber_classification

# these tests train for a fixed number of epochs on purpose
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _strings_solved(model, X, y):
    """Fraction of strings whose every legal-next-symbol set is predicted exactly."""
    return np.mean([np.array_equal(p > 0.5, t > 0.5) for p, t in zip(model.predict(X), y)])


def test_embedded_reber_next_symbols_are_all_right_on_held_out_strings():
    X, y = make_reber(600, embedded=True, random_state=0)
    X_test, y_test = make_reber(300, embedded=True, random_state=1)
    model = LSTMRegressor(n_hidden=16, batch_size=20, max_iter=25, tol=0,
                          random_state=0).fit(X, y)
    assert _strings_solved(model, X_test, y_test) == 1.0


@pytest.mark.parametrize("peepholes", [False, True])
@pytest.mark.parametrize("n_hidden", [12, (12, 8)])
def test_classifier_tells_reber_strings_from_corrupted_ones(peepholes, n_hidden):
    X, y = make_reber_classification(800, random_state=0)
    model = LSTMClassifier(n_hidden=n_hidden, peepholes=peepholes, batch_size=20, max_iter=40,
                           random_state=0).fit(X[:600], y[:600])
    assert model.score(X[600:], y[600:]) >= 0.93  # chance is 0.5


def test_error_entropy_loss_learns_reber_next_symbols():
    X, y = make_reber(400, random_state=0)
    X_test, y_test = make_reber(200, random_state=1)
    # Adam moves each output's bias on its own, so the outputs' common offset,
    # which entropy cannot see, drifts: the mean term holds it
    model = LSTMRegressor(n_hidden=8, loss="error_entropy", entropy_bandwidth=1.5,
                          entropy_mean_weight=1.0, batch_size=10, max_iter=40, tol=0,
                          random_state=0).fit(X, y)
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    assert _strings_solved(model, X_test, y_test) >= 0.95


def test_error_entropy_alone_leaves_the_offset_and_the_mean_term_pins_it():
    """Entropy cannot see a common offset of all errors: trained on targets
    shifted by 3, the paper's loss leaves the outputs' mean where it started,
    while ``entropy_mean_weight`` brings the mean error to zero."""
    X, y = make_reber(200, random_state=0)
    shifted = [t + 3.0 for t in y]
    params = dict(n_hidden=8, loss="error_entropy", batch_size=10, max_iter=30, tol=0,
                  random_state=0)
    # plain gradient descent: the entropy's gradient sums to zero over the
    # outputs, so the sum of the output biases never leaves its start (zero,
    # with weight_init='orthogonal')
    alone = LSTMRegressor(solver="sgd", momentum=0.0, learning_rate_init=0.5,
                          weight_init="orthogonal", **params).fit(X, shifted)
    errors = np.concatenate(shifted) - np.concatenate(alone.predict(X))
    assert abs(errors.mean()) > 2.5
    assert abs(alone.output_bias_.sum()) < 1e-10
    assert np.abs(alone.output_bias_).max() > 1e-3  # the biases did learn
    pinned = LSTMRegressor(entropy_mean_weight=1.0, **params).fit(X, shifted)
    errors = np.concatenate(shifted) - np.concatenate(pinned.predict(X))
    assert abs(errors.mean()) < 0.1


def test_error_entropy_classifier_binary_and_multiclass():
    X, y = make_reber_classification(800, random_state=0)
    binary = LSTMClassifier(n_hidden=12, loss="error_entropy", batch_size=20, max_iter=40,
                            random_state=0).fit(X[:600], y[:600])
    assert binary.score(X[600:], y[600:]) >= 0.95
    X, y = X[:300], y[:300]
    labels = np.array(["short", "medium", "long"])[
        np.digitize([len(x) for x in X], [8, 11])]
    multi = LSTMClassifier(n_hidden=8, loss="error_entropy", max_iter=40,
                           random_state=0).fit(X, labels)
    assert multi.predict_proba(X).shape == (300, 3)
    assert multi.score(X, labels) > 0.8


def test_error_entropy_needs_two_outputs():
    X, y = make_adding_problem(20, n_timesteps=5, random_state=0)
    model = LSTMRegressor(loss="error_entropy")
    with pytest.raises(ValueError, match="at least two outputs"):
        model.fit(X, y)
    assert not hasattr(model, "n_iter_")


@pytest.mark.parametrize("weight_init", ["orthogonal", "uniform"])
def test_forget_gates_start_open_and_peepholes_closed(weight_init):
    X, y = make_adding_problem(20, n_timesteps=5, random_state=0)
    model = LSTMRegressor(n_hidden=(4, 3), peepholes=True, forget_bias=2.0, max_iter=1,
                          learning_rate_init=1e-12, weight_init=weight_init, random_state=0)
    with pytest.warns(Warning):
        model.fit(X, y)
    for bias, n in zip(model.bias_, (4, 3)):
        forget, others = bias[n:2 * n], np.delete(bias, np.s_[n:2 * n])
        if weight_init == "orthogonal":  # zero biases, the forget gates' at forget_bias
            np.testing.assert_allclose(forget, 2.0, rtol=1e-6)
            np.testing.assert_allclose(others, 0, atol=1e-6)
        else:  # PyTorch's two draws on +-1/sqrt(n), forget_bias added to the forget gates'
            bound = 2 / np.sqrt(n) + 1e-6
            assert np.all(np.abs(forget - 2.0) <= bound) and np.all(np.abs(others) <= bound)
            assert np.abs(others).max() > 1e-3
    assert [p.shape for p in model.peephole_weights_] == [(3, 4), (3, 3)]
    np.testing.assert_allclose(np.concatenate(model.peephole_weights_, axis=None), 0,
                               atol=1e-6)
    assert [w.shape for w in model.input_weights_] == [(2, 16), (4, 12)]
    assert [w.shape for w in model.recurrent_weights_] == [(4, 16), (3, 12)]
    assert not hasattr(LSTMRegressor(max_iter=1).fit(X, y), "peephole_weights_")


def test_peepholes_change_the_model():
    X, y = make_adding_problem(100, n_timesteps=10, random_state=0)
    plain = LSTMRegressor(n_hidden=4, max_iter=5, random_state=0).fit(X, y)
    peep = LSTMRegressor(n_hidden=4, peepholes=True, max_iter=5, random_state=0).fit(X, y)
    assert np.any(np.abs(np.concatenate(peep.peephole_weights_)) > 0)
    assert not np.allclose(plain.predict(X), peep.predict(X))


def test_adding_problem_is_solved_where_an_elman_network_fails():
    """The adding problem (T = 50) needs the first marked value over tens of steps."""
    X, y = make_adding_problem(1200, n_timesteps=50, random_state=0)
    X_test, y_test = make_adding_problem(300, n_timesteps=50, random_state=1)
    settings = dict(n_hidden=16, batch_size=50, max_iter=25, tol=0, random_state=0)
    lstm = LSTMRegressor(**settings).fit(X, y)
    elman = ElmanRegressor(**settings).fit(X, y)
    mse_lstm = np.mean((lstm.predict(X_test) - y_test) ** 2)
    mse_elman = np.mean((elman.predict(X_test) - y_test) ** 2)
    # always answering 1 scores about 0.167; the bar is 0.04
    assert mse_lstm < 0.04
    assert mse_elman > 0.1


@pytest.mark.parametrize("n_hidden", [0, (), (4, 0), (4, 2.5), "4", True])
def test_bad_layer_sizes_are_rejected(n_hidden):
    X, y = make_adding_problem(20, n_timesteps=5, random_state=0)
    with pytest.raises(ValueError, match="n_hidden"):
        LSTMRegressor(n_hidden=n_hidden).fit(X, y)


@pytest.mark.parametrize("params, match", [
    (dict(loss="log_loss"), "loss"),
    (dict(entropy_bandwidth=0.0), "entropy_bandwidth"),
    (dict(forget_bias="big"), "forget_bias"),
    (dict(peepholes="yes"), "peepholes"),
])
def test_invalid_lstm_parameters(params, match):
    X, y = make_adding_problem(20, n_timesteps=5, random_state=0)
    with pytest.raises(ValueError, match=match):
        LSTMRegressor(**params).fit(X, y)


@pytest.mark.parametrize("mean_weight", [0.0, 0.5])
def test_error_entropy_value_is_renyis_quadratic_entropy(mean_weight):
    """The loss, written out term by term: -log of the information potential
    V = 1 / (n^2 h) sum_i sum_u K((e_i - e_u) / h), K the standard normal
    density, averaged over rows, plus the optional mean-error term."""
    rng = np.random.RandomState(0)
    P, T = rng.uniform(0, 1, (4, 5)), rng.randint(0, 2, (4, 5)).astype(float)
    h = 1.3
    expected = 0.0
    for p, t in zip(P, T):
        e = t - p
        V = sum(np.exp(-0.5 * ((a - b) / h) ** 2) / np.sqrt(2 * np.pi)
                for a in e for b in e) / (len(e) ** 2 * h)
        expected += -np.log(V) + mean_weight * 0.5 * np.mean(e) ** 2
    loss, _ = error_entropy_loss(P, T, bandwidth=h, output_activation="identity",
                                 mean_weight=mean_weight)
    assert loss == pytest.approx(expected / len(P), rel=1e-12)
