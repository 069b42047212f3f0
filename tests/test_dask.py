"""Scale-out on Dask, against a real LocalCluster of worker processes on loopback.

One cluster serves the module (starting one takes about a second). Worker
processes are spawned and copy the client's ``sys.path``, so they import the
skrnn that the tests import (the worktree's, or the installed one in CI);
``test_workers_import_this_skrnn`` checks it.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import os
import subprocess
import sys
import warnings
from pathlib import Path

import dask.array as da
import joblib
import numpy as np
import pandas as pd
import pytest
from dask.distributed import Client, LocalCluster, get_task_stream
from dask_ml.wrappers import Incremental
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import skrnn
from skrnn import (
    BackPropagationClassifier,
    BackPropagationRegressor,
    CTRNNClassifier,
    CTRNNRegressor,
    EchoStateClassifier,
    EchoStateRegressor,
    ElmanClassifier,
    ElmanRegressor,
    GeneticOptimizer,
    HopfieldMemory,
    JordanClassifier,
    JordanRegressor,
    LSTMClassifier,
    LSTMRegressor,
    ParticleSwarmOptimizer,
    RNNELMClassifier,
    RNNELMRegressor,
    RNNPBRegressor,
    SecondOrderClassifier,
    SecondOrderRegressor,
    SequenceScaler,
    SequenceTransformedTargetRegressor,
    SimulatedAnnealingOptimizer,
)
from skrnn.dask import fit_distributed

SKRNN_ROOT = str(Path(skrnn.__file__).resolve().parents[1])


@pytest.fixture(scope="module")
def client():
    # spawned workers start with a copy of the client's sys.path, so they
    # import skrnn from where the client did (a worktree rather than the
    # installed copy) as long as its directory is on that path; the dashboard
    # takes a free port, so that two runs on one machine do not collide
    if SKRNN_ROOT not in sys.path:
        sys.path.insert(0, SKRNN_ROOT)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        yield client


def _skrnn_file():
    import skrnn

    return skrnn.__file__


def test_workers_import_this_skrnn(client):
    files = client.run(_skrnn_file)
    assert len(files) == 2
    assert set(files.values()) == {skrnn.__file__}


def test_import_skrnn_does_not_import_dask():
    """dask is an optional extra: neither skrnn nor skrnn.dask import it until it is used."""
    code = ("import sys, skrnn, skrnn.dask; "
            "assert skrnn.__file__ == sys.argv[1], skrnn.__file__; "
            "assert not any(m.split('.')[0] in ('dask', 'distributed', 'dask_ml') "
            "for m in sys.modules), 'dask imported'")
    env = {**os.environ, "PYTHONPATH": SKRNN_ROOT}
    subprocess.run([sys.executable, "-c", code, skrnn.__file__], env=env, check=True)


# -- data -----------------------------------------------------------------------
def _series(n=240, seed=0):
    """One 2D series (n, 2) and a per-step target that needs memory."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, (n, 2))
    y = 0.6 * np.roll(X[:, 0], 2) + 0.3 * X[:, 1]
    return X, y


def _rows(n=240, seed=0, n_classes=3):
    """2D rows of univariate sequences with labels."""
    rng = np.random.RandomState(seed)
    y = rng.randint(n_classes, size=n)
    t = np.arange(12)
    X = np.sin(0.3 * (y[:, None] + 1) * t) + 0.2 * rng.randn(n, 12)
    return X, y


def _blocks(n, chunks):
    edges = np.cumsum((0,) + chunks)
    assert edges[-1] == n
    return [slice(a, b) for a, b in zip(edges[:-1], edges[1:])]


CHUNKS = (70, 50, 60, 60)

# every estimator with partial_fit, small and fast; (estimator, kind)
_STREAMED = [
    (ElmanRegressor(4, solver="adam", random_state=0), "series"),
    (JordanRegressor(4, solver="sgd", random_state=0), "series"),
    (LSTMRegressor(3, solver="adam", random_state=0), "series"),
    (EchoStateRegressor(30, n_washout=10, random_state=0), "series"),
    (CTRNNRegressor(4, solver="adam", random_state=0), "series"),
    (ElmanClassifier(4, solver="adam", random_state=0), "rows"),
    (JordanClassifier(4, solver="adam", random_state=0), "rows"),
    (LSTMClassifier(3, solver="adam", random_state=0), "rows"),
    (EchoStateClassifier(30, random_state=0), "rows"),
    (CTRNNClassifier(4, solver="adam", random_state=0), "rows"),
    (RNNELMRegressor(40, random_state=0), "table"),
    (RNNELMClassifier(40, random_state=0), "rows"),
    (GeneticOptimizer(ElmanRegressor(3), population_size=6, random_state=0), "series"),
    (ParticleSwarmOptimizer(ElmanRegressor(3), population_size=6, random_state=0), "series"),
    (SimulatedAnnealingOptimizer(ElmanRegressor(3), population_size=4, random_state=0),
     "series"),
    (HopfieldMemory(rule="storkey", random_state=0), "patterns"),
    (SequenceScaler(), "scaled"),
    (SequenceTransformedTargetRegressor(ElmanRegressor(4, solver="adam", random_state=0)),
     "series"),
    (BackPropagationRegressor(4, (4,), random_state=0), "series"),
    (BackPropagationClassifier(hidden_layer_sizes=(4,), random_state=0), "rows"),
    (SecondOrderRegressor(3, random_state=0), "series"),
    (SecondOrderClassifier(3, random_state=0), "rows"),
    # each block a sequence of its own, with its own code
    (RNNPBRegressor(4, recognition_max_iter=5, random_state=0), "codes"),
]


def _streamed_data(kind):
    if kind == "series":
        return _series()
    if kind == "rows":
        return _rows()
    if kind == "scaled":  # a transformer: X alone, its running statistics
        return _series()[0] * [1.0, 3.0] + [0.5, -2.0], None
    if kind == "codes":  # sequences alone: each block a new sequence of the RNNPB
        return _series()[0], None
    if kind == "table":
        rng = np.random.RandomState(1)
        X = rng.uniform(0, 1, (240, 3))
        return X, np.sin(3 * X[:, 0]) + X[:, 1]
    rng = np.random.RandomState(2)
    return np.sign(rng.randn(240, 64)), None


def _outputs(model, X, kind):
    if kind == "patterns":  # the stored weights, and recall of noisy patterns
        noisy = X[:20] * np.where(np.random.RandomState(0).rand(20, X.shape[1]) < 0.05, -1, 1)
        return np.concatenate([model.weights_.ravel(), model.predict(noisy).ravel()])
    if kind == "scaled":
        return model.transform(X)
    if kind == "codes":  # the code learned for every block, and the network's predictions
        return np.concatenate([model.codes_.ravel(), model.predict(X[:40]).ravel()])
    return model.predict(X)


def test_partial_fit_estimators_are_all_streamed():
    """The list above covers every public estimator that has partial_fit."""
    names = {type(est).__name__ for est, _ in _STREAMED}
    with_partial_fit = set()
    for name in skrnn.__all__:
        obj = getattr(skrnn, name)
        if isinstance(obj, type) and hasattr(obj, "partial_fit"):
            with_partial_fit.add(name)
    assert with_partial_fit == names


@pytest.mark.parametrize("estimator, kind", _STREAMED,
                         ids=[type(e).__name__ for e, _ in _STREAMED])
def test_incremental_streams_blocks_in_order(client, estimator, kind):
    """Incremental(shuffle_blocks=False) on the cluster == partial_fit over the blocks in order."""
    X, y = _streamed_data(kind)
    kwargs = {"classes": np.unique(y)} if kind == "rows" else {}
    Xd = da.from_array(X, chunks=(CHUNKS, X.shape[1]))
    yd = None if y is None else da.from_array(y, chunks=(CHUNKS,))
    # Incremental wants a scorer; a transformer has no score method of its own
    scoring = (lambda est, X, y=None: 0.0) if kind in ("scaled", "codes") else None
    streamed = Incremental(estimator, scoring=scoring, shuffle_blocks=False).fit(
        Xd, yd, **kwargs).estimator_

    local = estimator.__class__(**estimator.get_params(deep=False))
    for rows in _blocks(X.shape[0], CHUNKS):
        local.partial_fit(X[rows], None if y is None else y[rows], **kwargs)
        kwargs = {}
    one_block = estimator.__class__(**estimator.get_params(deep=False))
    one_block.partial_fit(X[:CHUNKS[0]], None if y is None else y[:CHUNKS[0]],
                          **({"classes": np.unique(y)} if kind == "rows" else {}))

    assert_allclose(_outputs(streamed, X, kind), _outputs(local, X, kind), rtol=1e-9, atol=1e-12)
    # every block was learnt, not just the first
    if kind == "patterns":
        assert streamed.n_patterns_ == X.shape[0]
    elif kind == "codes":
        assert streamed.codes_.shape[0] == len(CHUNKS)
    elif hasattr(streamed, "best_estimator_"):  # a weight search: one iteration per block
        assert streamed.n_iter_ == local.n_iter_ == len(CHUNKS)
        assert_allclose(streamed.loss_curve_, local.loss_curve_, rtol=1e-9)
    elif kind in ("series", "table", "scaled"):
        assert not np.allclose(_outputs(streamed, X, kind), _outputs(one_block, X, kind))


def test_incremental_series_order_matters(client):
    """For a stateful series model, in-order blocks give fit's model; shuffled ones do not."""
    X, y = _series()
    Xd = da.from_array(X, chunks=(CHUNKS, 2))
    yd = da.from_array(y, chunks=(CHUNKS,))
    esn = EchoStateRegressor(30, n_washout=10, random_state=0)
    local = EchoStateRegressor(30, n_washout=10, random_state=0).fit(X, y)
    in_order = Incremental(esn, shuffle_blocks=False).fit(Xd, yd).estimator_
    shuffled = Incremental(esn, shuffle_blocks=True, random_state=1).fit(Xd, yd).estimator_
    assert_allclose(in_order.predict(X), local.predict(X), rtol=1e-7, atol=1e-9)
    assert not np.allclose(shuffled.predict(X), local.predict(X), rtol=1e-4, atol=1e-6)


# -- fit_distributed ---------------------------------------------------------------
def _assert_same_moments(a, b, what):
    assert a.n == b.n, what
    for name in ("mean_h", "mean_y", "s_hy", "s_yy"):
        assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-10, atol=1e-10,
                        err_msg=f"{what}.{name}")
    assert_allclose(a.gram(), b.gram(), rtol=1e-10, atol=1e-10, err_msg=f"{what}.s_hh")


def _assert_same_sums(a, b):
    """The same readout sums, to rounding: the total, and the same blocks of positions."""
    _assert_same_moments(a.total, b.total, "total")
    assert (a.folds, a.block_size, a.n_positions) == (b.folds, b.block_size, b.n_positions)
    assert sorted(a.blocks) == sorted(b.blocks)
    for k in a.blocks:
        _assert_same_moments(a.blocks[k], b.blocks[k], f"block {k}")


def _assert_same_fit(dist, local, rtol=1e-7, atol=1e-9):
    """Same fitted attributes (public and the sums behind partial_fit), to rounding."""
    assert set(vars(dist)) == set(vars(local))
    for key, value in vars(local).items():
        other = vars(dist)[key]
        if key == "_readout_sums":
            _assert_same_sums(other, value)
        elif key == "_readout_cache":
            for a, b in zip(other, value, strict=True):
                assert_allclose(a.coef, b.coef, rtol=rtol, atol=atol, err_msg=key)
                assert_allclose(a.intercept, b.intercept, rtol=rtol, atol=atol, err_msg=key)
                assert a.alpha == pytest.approx(b.alpha, rel=1e-12) and a.method == b.method
        elif key == "_readout_stream":
            for name, part in value.items():
                if isinstance(part, np.ndarray):
                    assert_allclose(other[name], part, rtol=1e-10, atol=1e-12, err_msg=name)
                else:
                    assert other[name] == part, name
        elif key == "_reservoir":
            assert_array_equal(other.W_in, value.W_in)
        elif key == "_network":      # an RNN-ELM's fixed layers
            assert_array_equal(other.random_weights, value.random_weights)
            for a, b in zip(other.columns + other.stacks, value.columns + value.stacks,
                            strict=True):
                assert_array_equal(np.asarray(a), np.asarray(b), err_msg=key)
        elif hasattr(value, "toarray"):
            assert_array_equal(other.toarray(), value.toarray(), err_msg=key)
        elif isinstance(value, (np.ndarray, list)):
            assert_array_equal(other, value, err_msg=key)
        else:
            assert other == value or (value != value and other != other), key


@pytest.mark.parametrize("options", [
    {},
    # the washout ends inside the second block; noise, feedback and the
    # state carry across blocks; float32 stays float32
    {"n_washout": 90, "state_noise": 1e-3, "output_feedback": True, "dtype": np.float32},
    {"alpha": "gcv", "leaking_rate": 0.5, "include_inputs": False},
], ids=["default", "washout-noise-feedback-f32", "gcv"])
def test_fit_distributed_series_equals_fit(client, options):
    options = dict(options)
    dtype = options.pop("dtype", np.float64)
    X, y = _series(300)
    X, y = X.astype(dtype), y.astype(dtype)
    params = {"n_reservoir": 40, "alpha": 1e-4, "random_state": 0, **options}
    local = EchoStateRegressor(**params).fit(X, y)
    Xd = da.from_array(X, chunks=((80, 40, 100, 80), 2))
    with get_task_stream(client) as tasks:
        dist = fit_distributed(EchoStateRegressor(**params), Xd, da.from_array(y, chunks=100))
    # the blocks ran on the workers, one after another, handing on state and sums
    keys = [str(t["key"]) for t in tasks.data]
    assert sum("_chained_block" in k for k in keys) == 4
    _assert_same_fit(dist, local, rtol=1e-4 if dtype == np.float32 else 1e-7)
    # the same operations in the same order as fit: the same bits
    assert_array_equal(dist.output_weights_, local.output_weights_)
    assert_array_equal(dist.predict(X), local.predict(X))
    assert dist.output_weights_.dtype == dtype
    assert_allclose(dist.predict(X), local.predict(X), rtol=1e-4, atol=1e-5)
    # the stream goes on where the series ended: partial_fit and forecast
    X2, y2 = _series(60, seed=5)
    X2, y2 = X2.astype(dtype), y2.astype(dtype)
    assert_allclose(dist.partial_fit(X2, y2).predict(X2), local.partial_fit(X2, y2).predict(X2),
                    rtol=1e-4, atol=1e-5)


def test_fit_distributed_batch_equals_fit(client):
    """3D batch of independent sequences, one target per sequence, pooled features."""
    rng = np.random.RandomState(3)
    X = rng.uniform(-1, 1, (90, 15, 2))
    y = X[:, :, 0].mean(axis=1) + X[:, -3:, 1].sum(axis=1)
    params = {"n_reservoir": 30, "pooling": "both", "n_washout": 3, "alpha": 1e-3,
              "random_state": 1}
    local = EchoStateRegressor(**params).fit(X, y)
    dist = fit_distributed(EchoStateRegressor(**params),
                           da.from_array(X, chunks=(25, 5, 2)), y)  # merged along axes 1, 2
    _assert_same_fit(dist, local)
    assert_allclose(dist.predict(X), local.predict(X), rtol=1e-7, atol=1e-9)


def test_fit_distributed_classifiers_equal_fit(client):
    X, y = _rows(200)
    labels = np.array(["a", "b", "c"])[y]
    Xd = da.from_array(X, chunks=(60, 12))
    yd = da.from_array(labels, chunks=60)
    for est in (EchoStateClassifier(30, random_state=2),           # alpha='cv'
                RNNELMClassifier(50, alpha="gcv", random_state=2)):
        local = est.__class__(**est.get_params()).fit(X, labels)
        dist = fit_distributed(est, Xd, yd)
        _assert_same_fit(dist, local)
        assert_array_equal(dist.predict(X), local.predict(X))
        assert_allclose(dist.decision_function(X), local.decision_function(X),
                        rtol=1e-6, atol=1e-8)
        assert dist.score(X, labels) > 0.8  # a real model, not an empty one


def test_fit_distributed_rnn_elm_regressor_equals_fit(client):
    X, y = _streamed_data("table")
    Xd = da.from_array(X.astype(np.float32), chunks=(50, 3))
    local = RNNELMRegressor(60, random_state=0).fit(X.astype(np.float32), y)
    dist = fit_distributed(RNNELMRegressor(60, random_state=0), Xd, y)
    _assert_same_fit(dist, local, rtol=1e-5, atol=1e-6)
    assert dist.layer_weights_[0].dtype == np.float32
    assert_allclose(dist.predict(X), local.predict(X), rtol=1e-4, atol=1e-5)


def test_fit_distributed_random_state_instance(client):
    """A RandomState gives one seed, drawn on the client, which every worker uses."""
    X, y = _series()
    dist = EchoStateRegressor(30, random_state=np.random.RandomState(7))
    fit_distributed(dist, da.from_array(X, chunks=(60, 2)), da.from_array(y, chunks=60))
    seed = int(np.random.RandomState(7).randint(np.iinfo(np.int32).max))
    local = EchoStateRegressor(30, random_state=seed).fit(X, y)
    assert isinstance(dist.random_state, np.random.RandomState)  # the parameter is kept
    assert_allclose(dist.predict(X), local.predict(X), rtol=1e-7, atol=1e-9)


def test_fit_distributed_bad_input_leaves_model_unchanged(client):
    X, y = _series()
    Xd = da.from_array(X, chunks=(60, 2))
    esn = EchoStateRegressor(20, random_state=0).fit(X, y)
    before = esn.predict(X)
    with pytest.raises(ValueError, match="as many rows as X"):
        fit_distributed(esn, Xd, y[:-1])
    with pytest.raises(TypeError, match="dask array"):
        fit_distributed(esn, X, y)
    with pytest.raises(ValueError, match="No readout rows to train on"):
        fit_distributed(EchoStateRegressor(20, n_washout=500, random_state=0), Xd,
                        da.from_array(y, chunks=60))
    assert_array_equal(esn.predict(X), before)
    with pytest.raises(TypeError, match="partial_fit with dask_ml"):
        fit_distributed(ElmanRegressor(), Xd, y)
    with pytest.raises(ValueError, match="single, random hidden layer"):
        fit_distributed(RNNELMRegressor((20, 30)), Xd, y)
    # a batch's state noise comes from one generator across its sequences:
    # blocks cannot reproduce it, so they refuse rather than differ from fit
    X3 = np.random.RandomState(0).uniform(-1, 1, (12, 5, 2))
    noisy = EchoStateRegressor(20, state_noise=0.05, random_state=0).fit(X3, X3[..., 0])
    before = noisy.predict(X3)
    with pytest.raises(ValueError, match="state noise"):
        fit_distributed(noisy, da.from_array(X3, chunks=(4, 5, 2)),
                        da.from_array(X3[..., 0], chunks=(4, 5)))
    assert_array_equal(noisy.predict(X3), before)


def test_fit_distributed_replaces_an_earlier_fit(client):
    """Nothing of an earlier fit survives, as with fit: here the feature names."""
    X, y = _series()
    esn = EchoStateRegressor(20, random_state=0).fit(pd.DataFrame(X, columns=["a", "b"]), y)
    assert list(esn.feature_names_in_) == ["a", "b"]
    fit_distributed(esn, da.from_array(X, chunks=(60, 2)), da.from_array(y, chunks=60))
    assert not hasattr(esn, "feature_names_in_")
    local = EchoStateRegressor(20, random_state=0).fit(X, y)
    assert set(vars(esn)) == set(vars(local))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "fitted with feature names" warning
        assert_allclose(esn.predict(X), local.predict(X), rtol=1e-7, atol=1e-9)


# -- GridSearchCV on joblib's dask backend ---------------------------------------
def test_grid_search_pipeline_on_dask_backend(client):
    X, y = _series(300)
    pipe = Pipeline([("scale", StandardScaler()),
                     ("esn", EchoStateRegressor(30, n_washout=20, random_state=0))])
    grid = {"esn__spectral_radius": [0.5, 0.95], "esn__alpha": [1e-6, 1e-1]}
    cv = TimeSeriesSplit(3)
    local = GridSearchCV(pipe, grid, cv=cv).fit(X, y)
    with get_task_stream(client) as tasks, joblib.parallel_backend("dask"):
        remote = GridSearchCV(pipe, grid, cv=cv, n_jobs=-1).fit(X, y)
    assert len(tasks.data) > 0  # the fits ran on the cluster's workers
    assert {t["worker"] for t in tasks.data} <= set(client.scheduler_info()["workers"])
    assert_allclose(remote.cv_results_["mean_test_score"],
                    local.cv_results_["mean_test_score"], rtol=1e-10)
    assert remote.best_params_ == local.best_params_
    assert_allclose(remote.predict(X), local.predict(X), rtol=1e-10)
