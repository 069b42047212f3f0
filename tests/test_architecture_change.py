"""A parameter that shapes the network, set after a fit, is refused by a continued fit.

``partial_fit`` and ``fit`` with ``warm_start=True`` continue the fitted
weights; were a changed ``n_hidden``, ``activation``... silently ignored,
``get_params`` would describe another network than the one trained.
"""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from skrnn import (
    BackPropagationClassifier,
    BackPropagationRegressor,
    CTRNNClassifier,
    CTRNNRegressor,
    ElmanClassifier,
    ElmanRegressor,
    GeneticOptimizer,
    JordanClassifier,
    JordanRegressor,
    LSTMClassifier,
    LSTMRegressor,
    RNNPBRegressor,
    SecondOrderClassifier,
    SecondOrderRegressor,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.default_rng(0)
X3 = RNG.uniform(0, 1, (6, 5, 2))  # non-negative: column 0 can be elapsed times
Y3 = RNG.normal(size=(6, 5, 1))
LABELS = np.array([0, 1, 0, 1, 0, 1])
SERIES = RNG.normal(size=(40, 2))
TARGET = RNG.normal(size=40)


def _is_classifier(model):
    return type(model).__name__.endswith("Classifier")


def _data(model):
    if isinstance(model, RNNPBRegressor):
        return X3, None
    if isinstance(model, BackPropagationRegressor):
        return SERIES, TARGET
    if _is_classifier(model):
        return X3, LABELS
    return X3, Y3


def _train_options(model):
    if isinstance(model, (BackPropagationRegressor, BackPropagationClassifier)):
        return {"max_iter": 2, "random_state": 0}
    return {"max_iter": 2, "random_state": 0, "batch_size": 3}


def _fitted(model):
    model = clone(model).set_params(**_train_options(model))
    X, y = _data(model)
    return model.fit(X, y), X, y


def _continue(model, X, y, how):
    if how == "partial_fit":
        if _is_classifier(model):
            return model.partial_fit(X, y, classes=np.unique(y))
        return model.partial_fit(X, y)
    return model.set_params(warm_start=True).fit(X, y)


# (estimator as fitted, one architecture parameter changed after the fit)
CHANGES = [
    (ElmanRegressor(n_hidden=3), {"n_hidden": 4}),
    (ElmanRegressor(n_hidden=3), {"n_hidden": (3, 2)}),
    (ElmanRegressor(n_hidden=(3, 2)), {"skip_connections": True}),
    (ElmanRegressor(n_hidden=(3, 2), skip_connections="input"), {"skip_connections": "both"}),
    (ElmanRegressor(n_hidden=3), {"activation": "relu"}),
    (ElmanRegressor(n_hidden=3), {"initial_context": 0.5}),
    (ElmanClassifier(n_hidden=3), {"n_hidden": 4}),
    (JordanRegressor(n_hidden=3), {"n_hidden": 2}),
    (JordanRegressor(n_hidden=(3, 2)), {"skip_connections": "input"}),
    (JordanRegressor(n_hidden=3), {"activation": "logistic"}),
    (JordanRegressor(n_hidden=3), {"initial_context": 0.5}),
    (JordanRegressor(n_hidden=3), {"context_decay": 0.9}),
    (JordanClassifier(n_hidden=3), {"context_decay": 0.9}),
    (LSTMRegressor(n_hidden=3), {"n_hidden": 4}),
    (LSTMRegressor(n_hidden=3), {"n_hidden": (3, 2)}),
    (LSTMRegressor(n_hidden=3), {"peepholes": True}),
    (LSTMClassifier(n_hidden=3), {"peepholes": True}),
    (CTRNNRegressor(n_hidden=3), {"n_hidden": 4}),
    (CTRNNRegressor(n_hidden=(2, 1), time_constant=(1, 4)), {"n_hidden": (1, 2)}),
    (CTRNNRegressor(n_hidden=3), {"dt": 0.5}),
    (CTRNNRegressor(n_hidden=3), {"integration": "exponential"}),
    (CTRNNRegressor(n_hidden=3), {"max_step": 0.5}),
    (CTRNNRegressor(n_hidden=3), {"time_column": 0}),
    (CTRNNRegressor(n_hidden=3), {"activation": "relu"}),
    (CTRNNClassifier(n_hidden=3), {"dt": 0.5}),
    (SecondOrderRegressor(n_hidden=3), {"n_hidden": 4}),
    (SecondOrderRegressor(n_hidden=3), {"activation": "logistic"}),
    (SecondOrderRegressor(n_hidden=3), {"initial_context": 0.5}),
    (SecondOrderClassifier(n_hidden=3), {"n_hidden": 4}),
    (RNNPBRegressor(n_hidden=3), {"n_hidden": 4}),
    (RNNPBRegressor(n_hidden=3), {"n_pb": 3}),
    (RNNPBRegressor(n_hidden=3), {"recurrence": "jordan"}),
    (RNNPBRegressor(n_hidden=3), {"activation": "relu"}),
    (RNNPBRegressor(n_hidden=3), {"initial_context": 0.5}),
    (RNNPBRegressor(n_hidden=3, recurrence="jordan"), {"context_decay": 0.9}),
    (BackPropagationRegressor(n_lags=3, hidden_layer_sizes=3), {"n_lags": 4}),
    (BackPropagationRegressor(n_lags=3, hidden_layer_sizes=3), {"hidden_layer_sizes": (3, 2)}),
    (BackPropagationRegressor(n_lags=3, hidden_layer_sizes=3), {"activation": "logistic"}),
    (BackPropagationRegressor(n_lags=3, hidden_layer_sizes=3),
     {"output_activation": "logistic"}),
    (BackPropagationClassifier(hidden_layer_sizes=3), {"n_lags": 4}),
]


def _id(case):
    model, change = case
    return f"{type(model).__name__}-{next(iter(change))}={next(iter(change.values()))!r}"


@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
@pytest.mark.parametrize("case", CHANGES, ids=[_id(c) for c in CHANGES])
def test_changed_architecture_is_refused(case, how):
    model, change = case
    model, X, y = _fitted(model)
    (name, new), = change.items()
    prediction = model.predict(X)
    model.set_params(**change)
    if how == "warm_start":
        model.set_params(warm_start=True)
    before = pickle.dumps(model)
    # until it is refitted, the model predicts with the network it fitted
    assert_array_equal(model.predict(X), prediction)
    with pytest.raises(ValueError, match=f"{name} changed since the network was fitted") as error:
        _continue(model, X, y, how)
    message = str(error.value)
    assert f"now {name}={new!r}" in message
    assert "fit with warm_start=False" in message
    assert f"fitted with {name}=" in message and "back to " in message
    # the model is untouched, down to the last bit
    assert pickle.dumps(model) == before
    assert_array_equal(model.predict(X), prediction)


@pytest.mark.parametrize("case", CHANGES, ids=[_id(c) for c in CHANGES])
def test_plain_fit_builds_the_new_network(case):
    """fit (warm_start=False) takes the change: the same model as one built with it."""
    model, change = case
    model, X, y = _fitted(model)
    model.set_params(**change).fit(X, y)
    fresh = clone(model).fit(X, y)
    assert_array_equal(model.predict(X), fresh.predict(X))
    # and it can be continued under the new setting
    _continue(model, X, y, "partial_fit")


# parameters that steer training only, or that only draw the first weights
TRAINING_CHANGES = [
    (ElmanRegressor(n_hidden=3), {"learning_rate_init": 0.1, "alpha": 0.1, "max_iter": 3}),
    (ElmanRegressor(n_hidden=3), {"weight_init": "glorot", "batch_size": 2}),
    (ElmanRegressor(n_hidden=3), {"skip_connections": True}),  # one layer: nothing to skip
    (JordanRegressor(n_hidden=3), {"teacher_forcing": True, "solver": "sgd"}),
    (LSTMRegressor(n_hidden=3), {"forget_bias": 0.0, "learning_rate_init": 0.1}),
    (CTRNNRegressor(n_hidden=3), {"time_constant": 5.0, "learning_rate_init": 0.1}),
    (SecondOrderRegressor(n_hidden=3), {"alpha": 0.1, "learning_rate_init": 0.1}),
    (RNNPBRegressor(n_hidden=3), {"learning_rate_init": 0.1}),
    (BackPropagationRegressor(n_lags=3, hidden_layer_sizes=3), {"learning_rate_init": 0.1}),
]


@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
@pytest.mark.parametrize("case", TRAINING_CHANGES, ids=[_id(c) for c in TRAINING_CHANGES])
def test_training_parameters_stay_free(case, how):
    model, change = case
    model, X, y = _fitted(model)
    before, epochs = model._theta.copy(), len(model.loss_curve_)
    model.set_params(**change)
    _continue(model, X, y, how)
    assert len(model.loss_curve_) > epochs  # it trained on (an RNNPB adds codes too)
    assert not np.array_equal(model._theta[:before.size], before)


@pytest.mark.parametrize("same", [(4,), [4], np.array([4]), np.int64(4)])
def test_the_same_sizes_written_otherwise_are_no_change(same):
    model, X, y = _fitted(ElmanRegressor(n_hidden=4))
    model.set_params(n_hidden=same).partial_fit(X, y)
    stack, X, y = _fitted(ElmanRegressor(n_hidden=(4, 3), skip_connections=True))
    stack.set_params(n_hidden=[4, 3], skip_connections="input").partial_fit(X, y)


def test_the_same_time_column_written_otherwise_is_no_change():
    model, X, y = _fitted(CTRNNRegressor(n_hidden=3, time_column=-1))
    model.set_params(time_column=1).partial_fit(X, y)  # two features: -1 is 1
    with pytest.raises(ValueError, match="fitted with time_column=1, now time_column=0"):
        model.set_params(time_column=0).partial_fit(X, y)


def test_a_model_pickled_before_the_check_continues():
    """A model fitted before the architecture was recorded has nothing to compare."""
    model, X, y = _fitted(ElmanRegressor(n_hidden=3))
    del model._fitted_architecture
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pickle.loads(pickle.dumps(model)).partial_fit(X, y)


@pytest.mark.parametrize("change", [{"estimator__n_hidden": 4},
                                    {"estimator": LSTMRegressor(n_hidden=3)}])
def test_weight_search_partial_fit_refuses_a_changed_estimator(change):
    search = GeneticOptimizer(ElmanRegressor(n_hidden=3), population_size=4, max_iter=1,
                              refine=False, random_state=0).fit(X3, Y3)
    best = search.best_estimator_.get_flat_weights().copy()
    search.set_params(**change)
    name = next(iter(change))
    with pytest.raises(ValueError, match=f"{name} changed since the"):
        search.partial_fit(X3, Y3)
    assert_array_equal(search.best_estimator_.get_flat_weights(), best)
    search.fit(X3, Y3)  # a new search takes the change
    search.partial_fit(X3, Y3)


LONG = RNG.uniform(0, 1, (4, 12, 2))


@pytest.mark.parametrize("model", [
    ElmanRegressor(n_hidden=3), ElmanRegressor(n_hidden=(3, 2)), JordanRegressor(n_hidden=3),
    LSTMRegressor(n_hidden=3), CTRNNRegressor(n_hidden=3), SecondOrderRegressor(n_hidden=3),
    RNNPBRegressor(n_hidden=3)], ids=lambda m: f"{type(m).__name__}-{m.n_hidden}")
@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
def test_a_new_bptt_steps_steers_the_continued_fit(model, how):
    """bptt_steps is built into the network at the first fit: a continued fit
    must truncate as set now, not as at that fit."""
    y = None if isinstance(model, RNNPBRegressor) else LONG[:, :, :1]
    thetas = []
    for bptt_steps in (None, 1):
        fitted = clone(model).set_params(max_iter=2, random_state=0).fit(LONG, y)
        _continue(fitted.set_params(bptt_steps=bptt_steps), LONG, y, how)
        thetas.append(fitted._theta)
    assert not np.array_equal(*thetas)


# the RNN-ELM: what draws its network and trains its autoencoder layers
_RNN_ELM_CHANGES = [
    ("hidden_layer_sizes", (12, 30)), ("sources", 2), ("n_stacks", 2),
    ("random_layer", False), ("autoencoder", "fista"), ("encoder_alpha", 5.0),
    ("input_scaling", 0.5),
]
ROWS = RNG.uniform(0, 1, (60, 4))
ROW_LABELS = (ROWS[:, 0] > 0.5).astype(int)


@pytest.mark.parametrize("name, value", _RNN_ELM_CHANGES)
@pytest.mark.parametrize("stage", ["fitted", "mid_pass"])
def test_rnn_elm_partial_fit_refuses_a_changed_network(name, value, stage):
    from skrnn import RNNELMClassifier

    model = RNNELMClassifier(hidden_layer_sizes=(8, 20), random_state=0)
    if stage == "fitted":
        model.fit(ROWS, ROW_LABELS)
    else:  # inside the first autoencoder pass of a stream
        model.partial_fit(ROWS, ROW_LABELS, classes=[0, 1])
    before = pickle.dumps(model)
    model.set_params(**{name: value})
    with pytest.raises(ValueError, match=f"{name} changed since the network was fitted"):
        model.partial_fit(ROWS, ROW_LABELS)
    model.set_params(**{name: RNNELMClassifier(hidden_layer_sizes=(8, 20)).get_params()[name]})
    assert pickle.dumps(model) == before


def test_rnn_elm_readout_penalty_stays_free_and_fit_rebuilds():
    from skrnn import RNNELMRegressor

    y = ROWS.sum(axis=1)
    model = RNNELMRegressor(hidden_layer_sizes=(20,), random_state=0).fit(ROWS, y)
    model.set_params(alpha=2.0).partial_fit(ROWS, y)  # solved from the sums: free
    model.set_params(hidden_layer_sizes=(30,)).fit(ROWS, y)
    fresh = RNNELMRegressor(hidden_layer_sizes=(30,), alpha=2.0, random_state=0).fit(ROWS, y)
    assert_array_equal(model.predict(ROWS), fresh.predict(ROWS))


# the echo state network: what draws its reservoir and defines the readout's features
_ECHO_STATE_CHANGES = [
    ("n_reservoir", 30), ("spectral_radius", 0.5), ("connectivity", 0.3),
    ("input_scaling", 0.5), ("bias_scaling", 0.2), ("leaking_rate", 0.5),
    ("include_inputs", False), ("pooling", "both"), ("output_feedback", True),
    ("feedback_scaling", 0.5),
]


@pytest.mark.parametrize("name, value", _ECHO_STATE_CHANGES)
def test_echo_state_partial_fit_refuses_a_changed_reservoir(name, value):
    from skrnn import EchoStateClassifier, EchoStateRegressor

    if name in ("output_feedback", "feedback_scaling"):
        model = EchoStateRegressor(n_reservoir=20, random_state=0).fit(X3, Y3)
        data = X3, Y3
    else:
        model = EchoStateClassifier(n_reservoir=20, random_state=0).fit(X3, LABELS)
        data = X3, LABELS
    before = pickle.dumps(model)
    default = model.get_params()[name]
    model.set_params(**{name: value})
    with pytest.raises(ValueError, match=f"{name} changed since the network was fitted"):
        model.partial_fit(*data)
    assert pickle.dumps(model.set_params(**{name: default})) == before


def test_echo_state_readout_settings_stay_free():
    from skrnn import EchoStateRegressor

    model = EchoStateRegressor(n_reservoir=20, random_state=0).fit(X3, Y3)
    model.set_params(alpha=1e-2, n_washout=1, state_noise=1e-3).partial_fit(X3, Y3)
    model.set_params(n_reservoir=30).fit(X3, Y3)
    assert model.recurrent_weights_.shape == (30, 30)
