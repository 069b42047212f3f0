"""Behaviour of HopfieldMemory: storage rules, recall, encodings, errors."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning

from skrnn import HopfieldMemory

from ._hopfield_reference import storkey_weights

CLASSICAL = ["hebbian", "storkey", "pseudoinverse"]
RULES = CLASSICAL + ["modern"]


def _patterns(n_patterns, n, seed=0):
    return np.random.RandomState(seed).choice([-1.0, 1.0], (n_patterns, n))


def _flip(X, fraction, seed=1):
    """Flip exactly ``fraction`` of the bits of every row, at random places."""
    rng = np.random.RandomState(seed)
    X = X.copy()
    k = round(fraction * X.shape[1])
    for row in X:
        row[rng.choice(X.shape[1], k, replace=False)] *= -1
    return X


# -- energy ----------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(rule=st.sampled_from(CLASSICAL), n=st.integers(2, 60),
       load=st.floats(0.02, 0.6), noise=st.floats(0.0, 0.5),
       seed=st.integers(0, 2**16))
def test_async_energy_never_increases(rule, n, load, noise, seed):
    """Sweep by sweep (same orders, stopped after k sweeps), E never rises."""
    X = _patterns(max(1, int(load * n)), n, seed)
    memory = HopfieldMemory(rule, random_state=seed).fit(X)
    probes = _flip(X, noise, seed + 1)
    energies = [memory.energy(probes)]
    for k in range(1, 8):
        states, _, _ = HopfieldMemory(rule, max_iter=k, random_state=seed).fit(X).recall(probes)
        energies.append(memory.energy(states))
    energies = np.array(energies)
    scale = np.abs(memory.weights_).sum() + 1
    assert np.all(np.diff(energies, axis=0) <= 1e-9 * scale)
    # and async recall always ends at a fixed point, never in a cycle
    _, _, status = memory.recall(probes)
    assert set(status) <= {"fixed_point", "max_iter"}


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 40), seed=st.integers(0, 2**16))
def test_async_energy_never_increases_random_couplings(n, seed):
    """Any symmetric W with zero diagonal, not only stored ones."""
    rng = np.random.RandomState(seed)
    memory = HopfieldMemory("hebbian", random_state=seed).fit(_patterns(1, n, seed))
    A = rng.normal(size=(n, n))
    memory.weights_ = (A + A.T) / 2
    np.fill_diagonal(memory.weights_, 0)
    probes = _patterns(10, n, seed + 1)
    energies = [memory.energy(probes)]
    for k in range(1, 6):
        memory.set_params(max_iter=k)
        energies.append(memory.energy(memory.recall(probes)[0]))
    assert np.all(np.diff(energies, axis=0) <= 1e-9 * np.abs(A).sum())


def test_modern_update_lowers_its_energy():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 16))
    memory = HopfieldMemory("modern", beta=0.5, max_iter=1).fit(X)
    probes = X[:10] + rng.normal(scale=0.8, size=(10, 16))
    states, _, _ = memory.recall(probes)
    assert np.all(memory.energy(states) < memory.energy(probes))


# -- storage and recall ------------------------------------------------------
# loads below each rule's capacity for n = 200 (Hebbian: n / (4 ln n) = 9)
BELOW_CAPACITY = {"hebbian": 8, "storkey": 30, "pseudoinverse": 60, "modern": 400}


@pytest.mark.parametrize("update", ["async", "sync"])
@pytest.mark.parametrize("rule", RULES)
def test_stored_patterns_are_fixed_points(rule, update):
    X = _patterns(BELOW_CAPACITY[rule], 200)
    memory = HopfieldMemory(rule, update=update, random_state=0).fit(X)
    states, n_iter, status = memory.recall(X)
    assert np.array_equal(states, X)
    assert np.all(status == "fixed_point")
    if rule != "modern":
        assert np.all(n_iter == 1)  # nothing moved: one checking sweep


@pytest.mark.parametrize("update", ["async", "sync"])
@pytest.mark.parametrize("rule", RULES)
def test_ten_percent_flipped_bits_are_recalled(rule, update):
    n = 200
    # the projection rule's basins shrink with the load: test it at 0.15 n
    n_patterns = 30 if rule == "pseudoinverse" else BELOW_CAPACITY[rule]
    X = _patterns(n_patterns, n)
    memory = HopfieldMemory(rule, update=update, random_state=0).fit(X)
    probes = _flip(X, 0.1)
    assert memory.score(probes, X) == 1.0
    assert np.array_equal(memory.predict(probes), X)


def test_hebbian_degrades_past_capacity_where_modern_does_not():
    n = 64
    X = _patterns(2 * n, n)                     # load 2.0
    probes = _flip(X, 0.1)
    assert HopfieldMemory("hebbian", random_state=0).fit(X).score(probes, X) < 0.9
    assert HopfieldMemory("modern").fit(X).score(probes, X) == 1.0


def test_pseudoinverse_stores_correlated_patterns():
    # patterns that share most bits: Hebbian mixes them, the projection does not
    rng = np.random.RandomState(0)
    base = rng.choice([-1.0, 1.0], 100)
    X = np.array([_flip(base[None], 0.15, seed)[0] for seed in range(8)])
    assert np.array_equal(HopfieldMemory("pseudoinverse").fit(X).predict(X), X)
    assert not np.array_equal(HopfieldMemory("hebbian", random_state=0).fit(X).predict(X), X)


def test_pseudoinverse_is_the_projection():
    X = _patterns(20, 50)
    memory = HopfieldMemory("pseudoinverse").fit(X)
    P = X.T @ np.linalg.inv(X @ X.T) @ X
    np.fill_diagonal(P, 0)
    np.testing.assert_allclose(memory.weights_, P, atol=1e-12)


def test_storkey_matches_elementwise_rule():
    X = _patterns(4, 7)
    memory = HopfieldMemory("storkey").fit(X)
    np.testing.assert_allclose(memory.weights_, storkey_weights(X), atol=1e-12)


def test_hebbian_weights():
    X = _patterns(5, 30)
    W = X.T @ X / 30
    np.fill_diagonal(W, 0)
    np.testing.assert_allclose(HopfieldMemory().fit(X).weights_, W, atol=1e-14)


@pytest.mark.parametrize("rule", RULES)
def test_partial_fit_equals_fit(rule):
    X = _patterns(40, 80)
    batch = HopfieldMemory(rule).fit(X)
    stream = HopfieldMemory(rule)
    for chunk in (X[:1], X[1:7], X[7:8], X[8:30], X[30:]):
        stream.partial_fit(chunk)
    assert stream.n_patterns_ == batch.n_patterns_ == 40
    attribute = "patterns_" if rule == "modern" else "weights_"
    np.testing.assert_allclose(getattr(stream, attribute), getattr(batch, attribute),
                               atol=1e-10)


def test_pseudoinverse_one_pattern_at_a_time_equals_batch_float32():
    X = _patterns(60, 100).astype(np.float32)
    batch = HopfieldMemory("pseudoinverse").fit(X)
    stream = HopfieldMemory("pseudoinverse")
    for row in X:
        stream.partial_fit(row[None])
    assert stream.weights_.dtype == np.float32
    np.testing.assert_allclose(stream.weights_, batch.weights_, atol=1e-5)


def test_pseudoinverse_ignores_dependent_patterns():
    X = _patterns(10, 40)
    memory = HopfieldMemory("pseudoinverse").fit(X)
    before = memory.weights_.copy()
    memory.partial_fit(X[:3])                  # already in the span
    np.testing.assert_allclose(memory.weights_, before, atol=1e-12)
    assert memory.n_patterns_ == 13


def test_fit_forgets():
    memory = HopfieldMemory().fit(_patterns(5, 30, seed=0))
    X = _patterns(3, 30, seed=1)
    np.testing.assert_array_equal(memory.fit(X).weights_, HopfieldMemory().fit(X).weights_)
    assert memory.n_patterns_ == 3


def test_modern_real_valued_patterns():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(500, 32))             # far more patterns than units
    memory = HopfieldMemory("modern", beta=4.0).fit(X)
    assert memory.encoding_ == "real"
    probes = X[:50] + rng.normal(scale=0.3, size=(50, 32))
    # retrieval leaves a weight of about exp(-beta * gap) on the other patterns
    np.testing.assert_allclose(memory.predict(probes), X[:50], atol=1e-4)
    assert memory.score(probes, X[:50]) == 1.0
    # a low beta averages the patterns into a metastable state instead
    soft = HopfieldMemory("modern", beta=0.01).fit(X)
    assert soft.score(probes, X[:50]) < 0.5


def test_sync_reports_two_cycles():
    memory = HopfieldMemory("hebbian", update="sync").fit(_patterns(1, 2))
    memory.weights_ = np.array([[0.0, -1.0], [-1.0, 0.0]])
    _, n_iter, status = memory.recall(np.array([[1.0, 1.0], [1.0, -1.0]]))
    assert list(status) == ["two_cycle", "fixed_point"]
    assert list(n_iter) == [2, 1]


# -- encodings, dtypes, determinism ------------------------------------------
@pytest.mark.parametrize("rule", RULES)
def test_binary_encoding_round_trip(rule):
    bipolar = _patterns(10, 100)
    binary = (bipolar + 1) / 2
    a = HopfieldMemory(rule, random_state=0).fit(binary)
    b = HopfieldMemory(rule, random_state=0).fit(bipolar)
    assert (a.encoding_, b.encoding_) == ("binary", "bipolar")
    probes = _flip(bipolar, 0.1)
    recalled = a.predict((probes + 1) / 2)
    assert set(np.unique(recalled)) <= {0.0, 1.0}
    np.testing.assert_array_equal(recalled, (b.predict(probes) + 1) / 2)
    np.testing.assert_allclose(a.energy((probes + 1) / 2), b.energy(probes))
    assert a.score((probes + 1) / 2, binary) == b.score(probes, bipolar)


def test_integer_input_and_explicit_encoding():
    X = np.random.RandomState(0).randint(0, 2, (6, 50))
    memory = HopfieldMemory(encoding="binary").fit(X)
    assert memory.predict(X).dtype == np.float64
    # all ones is read as bipolar by 'auto'; 'binary' says otherwise
    ones = np.ones((1, 5))
    assert HopfieldMemory().fit(ones).encoding_ == "bipolar"
    assert HopfieldMemory(encoding="binary").fit(ones).encoding_ == "binary"


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(rule, dtype):
    X = _patterns(8, 64).astype(dtype)
    memory = HopfieldMemory(rule, random_state=0).fit(X)
    fitted = memory.patterns_ if rule == "modern" else memory.weights_
    assert fitted.dtype == dtype
    assert memory.predict(_flip(X, 0.1)).dtype == dtype
    assert memory.energy(X).dtype == dtype


@pytest.mark.parametrize("update", ["async", "sync"])
def test_same_seed_same_answers_any_threads(update):
    X = _patterns(40, 200)                    # overloaded: answers depend on the order
    probes = _flip(X, 0.3)
    one = HopfieldMemory(update=update, random_state=0, n_jobs=1).fit(X).predict(probes)
    two = HopfieldMemory(update=update, random_state=0, n_jobs=2).fit(X).predict(probes)
    np.testing.assert_array_equal(one, two)
    # each probe's answer does not depend on the other probes of the call
    alone = HopfieldMemory(update=update, random_state=0).fit(X).predict(probes[7:8])
    np.testing.assert_array_equal(alone[0], one[7])
    if update == "async":
        other = HopfieldMemory(random_state=1).fit(X).predict(probes)
        assert not np.array_equal(one, other)  # the order does matter here


@pytest.mark.parametrize("rule", RULES)
def test_pickle_then_partial_fit(rule):
    X = _patterns(20, 60)
    memory = HopfieldMemory(rule, random_state=0).fit(X[:10])
    restored = pickle.loads(pickle.dumps(memory))
    restored.partial_fit(X[10:])
    np.testing.assert_array_equal(restored.predict(X), HopfieldMemory(rule, random_state=0)
                                  .fit(X).predict(X))


def test_max_iter_warns_in_predict_not_in_recall():
    X = _patterns(60, 100)                    # overloaded Hebbian: many sweeps needed
    memory = HopfieldMemory(max_iter=1, random_state=0).fit(X)
    probes = _flip(X, 0.3)
    with pytest.warns(ConvergenceWarning, match="increase max_iter"):
        memory.predict(probes)
    _, n_iter, status = memory.recall(probes)
    assert "max_iter" in set(status) and n_iter.max() == 1


# -- bad input -----------------------------------------------------------------
@pytest.mark.parametrize("rule", CLASSICAL)
def test_classical_rules_reject_real_values(rule):
    with pytest.raises(ValueError, match="binary patterns.*0.5.*rule='modern'"):
        HopfieldMemory(rule).fit([[1, -1, 0.5]])
    with pytest.raises(ValueError, match="only 0 and 1, or only -1 and \\+1"):
        HopfieldMemory(rule).fit([[1, -1, 0]])
    with pytest.raises(ValueError, match="encoding='real' needs rule='modern'"):
        HopfieldMemory(rule, encoding="real").fit([[1, -1]])


def test_bad_input_errors_and_no_corruption():
    X = _patterns(5, 20)
    memory = HopfieldMemory("storkey", random_state=0).fit(X)
    weights = memory.weights_.copy()
    bad = {
        "binary encoding": (X + 1) / 2,       # 0 is not a bipolar value
        "NaN": np.where(X == 1, np.nan, X),
        "features": X[:, :10],
    }
    messages = {"binary encoding": "only -1 and \\+1.*got the value 0",
                "NaN": "NaN", "features": "20 features"}
    for key, Xbad in bad.items():
        for method in (memory.partial_fit, memory.predict, memory.energy):
            with pytest.raises(ValueError, match=messages[key]):
                method(Xbad)
    np.testing.assert_array_equal(memory.weights_, weights)
    assert memory.n_patterns_ == 5
    with pytest.raises(ValueError, match="with the shape of X"):
        memory.score(X, X[:, 0])
    with pytest.raises(ValueError, match="y must hold only -1 and \\+1"):
        memory.score(X, (X + 1) / 2)
    with pytest.raises(ValueError, match="cannot switch rule"):
        memory.set_params(rule="hebbian").partial_fit(X)
    np.testing.assert_array_equal(memory.weights_, weights)
    with pytest.raises(ValueError, match="binary encoding"):
        HopfieldMemory(encoding="binary").fit(X)
    # a failed fit leaves the fitted memory as it was
    memory.set_params(rule="storkey")
    with pytest.raises(ValueError, match="binary patterns"):
        memory.fit(np.full((3, 7), 0.5))
    assert memory.n_features_in_ == 20 and memory.n_patterns_ == 5
    np.testing.assert_array_equal(memory.weights_, weights)
    np.testing.assert_array_equal(memory.predict(X), X)
    with pytest.raises(ValueError, match="beta"):
        HopfieldMemory("modern", beta=0.0).fit(X)


@pytest.mark.slow
def test_capacities_follow_theory():
    """N = 500, 10% flipped bits: where each rule holds and where it breaks."""
    n = 500

    def exact(rule, load, seed=0):
        X = _patterns(round(load * n), n, seed)
        states, _, _ = HopfieldMemory(rule, random_state=seed).fit(X).recall(_flip(X, 0.1))
        return np.mean(np.all(states == X, axis=1))

    # Hebbian: perfect below n / (4 ln n) = 0.04 n, broken well past 0.138 n
    assert exact("hebbian", 0.03) == 1.0
    assert exact("hebbian", 0.2) < 0.05
    # Storkey: holds to about n / sqrt(2 ln n) = 0.28 n; the projection further
    assert exact("storkey", 0.2) == 1.0
    assert exact("storkey", 0.5) < 0.5
    assert exact("pseudoinverse", 0.35) > 0.95
    # modern: beyond n
    assert exact("modern", 2.0) == 1.0
