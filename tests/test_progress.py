"""Verbose progress lines and Ctrl-C (KeyboardInterrupt) during fits, for every family."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import re
import time

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skrnn import (
    EchoStateClassifier,
    EchoStateRegressor,
    ElmanRegressor,
    GeneticOptimizer,
    HopfieldMemory,
    JordanRegressor,
    LSTMClassifier,
    LSTMRegressor,
    ParticleSwarmOptimizer,
    RNNAutoencoder,
    RNNELMClassifier,
    SimulatedAnnealingOptimizer,
)
from skrnn._readout import ReadoutSums
from skrnn.echo_state._reservoir import Reservoir
from skrnn.rnn_elm import _autoencoder
from skrnn.utils import _progress
from skrnn.utils._progress import Progress, format_line

INTERRUPTED = "interrupted by user"
NETWORKS = [ElmanRegressor, JordanRegressor, LSTMRegressor]


def _series(n=80):
    t = np.arange(n) / 4.0
    return np.sin(t)[:, None], np.sin(t + 0.5)


def _raise_on_call(function, n, record=None):
    """``function`` that raises KeyboardInterrupt at its n-th call (as Ctrl-C
    would when the kernel it wraps returns); ``record`` collects the earlier
    calls' (arguments, result)."""
    calls = {"n": 0}

    def wrapper(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise KeyboardInterrupt
        result = function(*args, **kwargs)
        if record is not None:  # copies: a search moves its swarm in place
            record.append(([a.copy() if isinstance(a, np.ndarray) else a for a in args],
                           result))
        return result
    return wrapper


# -- the shared helper -------------------------------------------------------------
def test_lines_are_aligned_columns_with_units():
    lines = [format_line("Epoch", i, 200, [("loss", loss), ("steps seen", i * 1000)], t)
             for i, loss, t in [(1, 0.123456789, 0.5), (20, 1e-7, 12.25), (200, 12345.6, 1234.5)]]
    assert lines[0] == ("Epoch   1/200   loss     0.123457   steps seen     1000"
                        "   elapsed    0.50 s")
    # every field starts in the same column whatever the numbers
    for name in ("loss", "steps seen", "elapsed"):
        assert len({line.index(name) for line in lines}) == 1
    assert len({len(line) for line in lines}) == 1
    assert all(line.endswith(" s") for line in lines)


def test_progress_prints_nothing_unless_verbose(capsys):
    Progress(False).step("Epoch", 1, loss=1.0)
    Progress(0).note("done")
    assert capsys.readouterr().out == ""
    Progress(True).note("Readout solved")
    assert re.fullmatch(r"Readout solved \(elapsed \d+\.\d\d s\)\n", capsys.readouterr().out)
    assert not Progress(1).detailed and Progress(2).detailed


# -- gradient-trained networks ---------------------------------------------------------
@pytest.mark.parametrize("cls", NETWORKS)
def test_verbose_epochs_with_validation_score(cls, capsys):
    X, y = _series()
    with pytest.warns(ConvergenceWarning):
        model = cls(n_hidden=3, max_iter=3, early_stopping=True, validation_fraction=0.25,
                    verbose=True, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    for i, (line, loss, score) in enumerate(zip(lines, model.loss_curve_,
                                                model.validation_scores_), start=1):
        fields = re.fullmatch(r"Epoch (\d)/3   loss +(\S+)   val score +(\S+)"
                              r"   elapsed +\d+\.\d\d s(   left +\d+\.\d\d s)?", line)
        assert fields, line
        # the time left, at the rate so far, until the last epoch
        assert (fields[4] is None) == (i == 3)
        assert int(fields[1]) == i
        assert float(fields[2]) == pytest.approx(loss, rel=1e-5)
        assert float(fields[3]) == pytest.approx(score, rel=1e-5, abs=1e-6)


def test_verbose_partial_fit_prints_chunks_and_steps_seen(capsys):
    X, y = _series(90)
    model = ElmanRegressor(n_hidden=3, verbose=2, random_state=0)   # every chunk
    for start in range(0, 90, 30):
        model.partial_fit(X[start:start + 30], y[start:start + 30])
    lines = capsys.readouterr().out.splitlines()
    assert [re.match(r"Chunk +(\d+)", line)[1] for line in lines] == ["1", "2", "3"]
    assert [int(re.search(r"steps seen +(\d+)", line)[1]) for line in lines] == [30, 60, 90]


@pytest.mark.parametrize("cls", NETWORKS)
def test_interrupt_keeps_the_last_finished_epoch(cls, monkeypatch):
    X, y = _series()
    params = dict(n_hidden=3, batch_size=40, max_iter=5, tol=0, random_state=0)
    with pytest.warns(ConvergenceWarning):
        reference = cls(**params).set_params(max_iter=2).fit(X, y)
    model = cls(**params)
    # two batches per epoch: the 6th call is the second batch of epoch 3, after
    # its first batch has already moved the weights
    monkeypatch.setattr(model, "_objective", _raise_on_call(model._objective, 6))
    with pytest.warns(UserWarning, match=INTERRUPTED + ".*last finished epoch"):
        model.fit(X, y)
    assert model.n_iter_ == 2 and len(model.loss_curve_) == 2
    np.testing.assert_array_equal(model.get_flat_weights(), reference.get_flat_weights())
    np.testing.assert_array_equal(model.predict(X), reference.predict(X))
    # and it trains on from there
    monkeypatch.undo()
    model.set_params(warm_start=True, max_iter=1)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    assert model.n_iter_ == 3


def test_interrupt_with_early_stopping_keeps_the_best_validation_weights(monkeypatch):
    X, y = _series(100)
    params = dict(n_hidden=3, early_stopping=True, validation_fraction=0.2, max_iter=6,
                  tol=0, learning_rate_init=0.5, random_state=0)
    best = {}
    model = ElmanRegressor(**params)
    original = model._update_no_improvement_count

    def record(early_stopping, validation):  # the weights of every epoch, by score
        original(early_stopping, validation)
        best.setdefault(model.validation_scores_[-1], model.get_flat_weights())
    monkeypatch.setattr(model, "_update_no_improvement_count", record)
    # one batch per epoch: the 4th call is epoch 4
    monkeypatch.setattr(model, "_objective", _raise_on_call(model._objective, 4))
    with pytest.warns(UserWarning, match=INTERRUPTED + ".*best-validation weights"):
        model.fit(X, y)
    assert len(model.validation_scores_) == 3
    # (a fast rate: the best epoch is not the last one finished)
    assert np.argmax(model.validation_scores_) < 2
    np.testing.assert_array_equal(model.get_flat_weights(), best[max(best)])
    assert model.best_validation_score_ == max(best)
    assert np.all(np.isfinite(model.predict(X)))


def test_interrupted_lbfgs_keeps_the_best_point_evaluated(monkeypatch):
    X, y = _series()
    model = ElmanRegressor(n_hidden=3, solver="lbfgs", max_iter=50, random_state=0)
    calls = []
    monkeypatch.setattr(model, "_objective", _raise_on_call(model._objective, 8, calls))
    with pytest.warns(UserWarning, match=INTERRUPTED):
        model.fit(X, y)
    losses = [result[0] for _, result in calls]
    best = int(np.argmin(losses))
    np.testing.assert_array_equal(model.get_flat_weights(), calls[best][0][0])
    assert model.loss_ == losses[best] < losses[0]
    assert model.n_iter_ == len(model.loss_curve_) >= 1
    assert np.all(np.isfinite(model.predict(X)))


def test_interrupted_partial_fit_leaves_the_stream_as_it_was(monkeypatch):
    X, y = _series(90)
    model = LSTMRegressor(n_hidden=3, batch_size=15, random_state=0)
    model.partial_fit(X[:30], y[:30])
    weights, state = model.get_flat_weights(), model._stream_state.copy()
    monkeypatch.setattr(model, "_objective", _raise_on_call(model._objective, 2))
    with pytest.warns(UserWarning, match=INTERRUPTED):
        model.partial_fit(X[30:60], y[30:60])
    np.testing.assert_array_equal(model.get_flat_weights(), weights)
    np.testing.assert_array_equal(model._stream_state, state)
    assert model.n_iter_ == 1
    # the optimizer too is as it was: the chunk again gives the model that
    # was never interrupted (Adam's moments and step count rolled back)
    monkeypatch.undo()
    model.partial_fit(X[30:60], y[30:60])
    uninterrupted = LSTMRegressor(n_hidden=3, batch_size=15, random_state=0)
    uninterrupted.partial_fit(X[:30], y[:30]).partial_fit(X[30:60], y[30:60])
    np.testing.assert_array_equal(model.get_flat_weights(), uninterrupted.get_flat_weights())


def test_interrupted_classifier_predicts():
    rng = np.random.RandomState(0)
    X = rng.randn(30, 5, 2)
    y = (X[:, :, 0].sum(axis=1) > 0).astype(int)
    model = LSTMClassifier(n_hidden=3, batch_size=10, shuffle=False, random_state=0)
    model._objective = _raise_on_call(model._objective, 5)
    with pytest.warns(UserWarning, match=INTERRUPTED):
        model.fit(X, y)
    assert model.n_iter_ == 1
    assert set(model.predict(X)) <= {0, 1}


# -- weight search --------------------------------------------------------------------
@pytest.mark.parametrize("cls, label", [(GeneticOptimizer, "Generation"),
                                        (ParticleSwarmOptimizer, "Iteration"),
                                        (SimulatedAnnealingOptimizer, "Iteration")])
def test_verbose_search_prints_best_and_mean_loss(cls, label, capsys):
    X, y = _series(40)
    # verbose=2: a line per iteration (verbose=1 summarises: see below)
    search = cls(ElmanRegressor(n_hidden=2), population_size=6, max_iter=3, verbose=2,
                 random_state=0).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    for i, (line, best) in enumerate(zip(lines, search.loss_curve_), start=1):
        fields = re.fullmatch(rf"{label} {i}/3   best loss +(\S+)   mean loss +(\S+)"
                              r"   evaluations +\d+   evals per s +\d+"
                              r"   elapsed +\d+\.\d\d s(   left +\d+\.\d\d s)?", line)
        assert fields, line
        assert float(fields[1]) == pytest.approx(best, rel=1e-5)
        assert float(fields[2]) >= float(fields[1])


@pytest.mark.parametrize("cls", [GeneticOptimizer, ParticleSwarmOptimizer,
                                 SimulatedAnnealingOptimizer])
def test_interrupted_search_keeps_the_best_candidate(cls, monkeypatch):
    X, y = _series(40)
    evaluated = []
    monkeypatch.setattr(ElmanRegressor, "_population_loss", _raise_on_call(
        ElmanRegressor._population_loss, 4, evaluated))
    search = cls(ElmanRegressor(n_hidden=2), population_size=6, max_iter=10, refine=True,
                 random_state=0)
    with pytest.warns(UserWarning, match=INTERRUPTED + ".*best weights found"):
        search.fit(X, y)
    thetas = np.vstack([args[1] for args, _ in evaluated])
    losses = np.concatenate([result for _, result in evaluated])
    assert search.best_loss_ == losses.min()
    np.testing.assert_allclose(search.best_estimator_.get_flat_weights(),
                               thetas[np.argmin(losses)])
    # Ctrl-C stops the whole fit: no refinement after it
    assert not hasattr(search, "refined_loss_")
    assert np.all(np.isfinite(search.predict(X)))


def test_search_interrupted_before_anything_leaves_the_previous_fit(monkeypatch):
    X, y = _series(40)
    search = GeneticOptimizer(ElmanRegressor(n_hidden=2), population_size=6, max_iter=2,
                              random_state=0).fit(X, y)
    before = search.best_estimator_.get_flat_weights()
    monkeypatch.setattr(ElmanRegressor, "_population_loss", _raise_on_call(
        ElmanRegressor._population_loss, 1))
    with pytest.raises(KeyboardInterrupt):
        search.fit(X[:20], y[:20])
    np.testing.assert_array_equal(search.best_estimator_.get_flat_weights(), before)
    assert search.n_iter_ == 2


# -- closed-form and streaming families ------------------------------------------------
def test_echo_state_verbose_fit_and_chunks(capsys):
    X, y = _series(120)
    EchoStateRegressor(n_reservoir=20, alpha="cv", verbose=True, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "Reservoir of 20 units run over 120 steps (120 readout rows)" in out
    assert re.search(r"Readout solved, alpha=\S+ chosen by CV from 61 values \(elapsed", out)
    model = EchoStateRegressor(n_reservoir=20, n_washout=10, verbose=2, random_state=0)
    for start in range(0, 120, 40):
        model.partial_fit(X[start:start + 40], y[start:start + 40])
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Chunk")]
    assert [int(re.search(r"steps seen +(\d+)", line)[1]) for line in lines] == [40, 80, 120]
    assert [int(re.search(r"readout rows +(\d+)", line)[1]) for line in lines] == [30, 70, 110]
    Xc = np.random.RandomState(0).randn(300, 4, 1)
    EchoStateClassifier(n_reservoir=10, verbose=2, random_state=0).fit(Xc, Xc[:, 0, 0] > 0)
    assert re.findall(r"Sequences (\d+)/300", capsys.readouterr().out) == ["256", "300"]


def test_echo_state_interrupted_fit_leaves_the_model_as_it_was(monkeypatch):
    X, y = _series(120)
    model = EchoStateRegressor(n_reservoir=20, random_state=0).fit(X[:60], y[:60])
    before = model.predict(X)
    monkeypatch.setattr(Reservoir, "run", _raise_on_call(Reservoir.run, 1))
    with pytest.raises(KeyboardInterrupt):
        model.partial_fit(X[60:], y[60:])
    monkeypatch.undo()
    np.testing.assert_array_equal(model.predict(X), before)
    assert model.n_steps_seen_ == 60


def test_rnn_elm_verbose_and_interrupted_partial_fit(monkeypatch, capsys):
    rng = np.random.RandomState(0)
    X = rng.uniform(0, 1, (300, 4))
    y = (X[:, 0] > 0.5).astype(int)
    model = RNNELMClassifier((8, 30), batch_size=50, verbose=True, random_state=0)
    model.fit(X[:200], y[:200])
    out = capsys.readouterr().out
    assert "Layer 1/2: ridge autoencoder of 16 clusters trained on 200 rows" in out
    assert re.search(r"Chunk +1   rows +200   rows seen +200", out)
    assert "Readout of 30 clusters solved from 200 rows" in out
    before = model.decision_function(X)
    # Ctrl-C after one of the two batches of the chunk has been added
    monkeypatch.setattr(ReadoutSums, "add", _raise_on_call(ReadoutSums.add, 2))
    with pytest.raises(KeyboardInterrupt):
        model.partial_fit(X[200:], y[200:])
    monkeypatch.undo()
    assert model.n_samples_seen_ == 200 and model._readout_sums.n == 200
    np.testing.assert_array_equal(model.decision_function(X), before)
    model.set_params(verbose=2).partial_fit(X[200:], y[200:])
    assert re.findall(r"Rows +(\d+)/100", capsys.readouterr().out) == ["50", "100"]


def test_autoencoder_verbose_and_interrupt(monkeypatch, capsys):
    X = np.random.RandomState(0).uniform(0, 1, (60, 5))
    params = dict(n_components=4, tol=0, negative_inputs="raise", random_state=0)
    reference = RNNAutoencoder(max_iter=2, verbose=True, **params).fit(X)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("   ")[0] for line in lines] == [f"Iteration {i}/2" for i in range(3)]
    assert "reconstruction error" in lines[0]
    model = RNNAutoencoder(max_iter=20, **params)
    monkeypatch.setattr(_autoencoder, "_multiplicative_step", _raise_on_call(
        _autoencoder._multiplicative_step, 3))
    with pytest.warns(UserWarning, match=INTERRUPTED):
        model.fit(X)
    assert model.n_iter_ == 2 and model.loss_curve_ == reference.loss_curve_
    np.testing.assert_array_equal(model.encoder_weights_, reference.encoder_weights_)
    np.testing.assert_array_equal(model.transform(X), reference.transform(X))


def test_hopfield_verbose_and_interrupted_storage(monkeypatch, capsys):
    from skrnn.hopfield import _hopfield

    patterns = np.sign(np.random.RandomState(0).randn(4, 40))
    memory = HopfieldMemory(rule="storkey", verbose=True, random_state=0).fit(patterns[:2])
    probes = patterns[:2].copy()
    probes[:, :3] *= -1
    memory.predict(probes)
    out = capsys.readouterr().out
    assert "Stored 2 patterns of 40 units (storkey rule, 2 in all)" in out
    assert re.search(r"Recalled 2 probes: 2 fixed points, 0 two-cycles, 0 still changing "
                     r"after max_iter=100; \S+ sweeps on average", out)
    weights = memory.weights_.copy()
    original = _hopfield.storkey_update

    def store_one_then_interrupt(W, new):
        original(W, new[:1])
        raise KeyboardInterrupt
    monkeypatch.setattr(_hopfield, "storkey_update", store_one_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        memory.partial_fit(patterns[2:])
    np.testing.assert_array_equal(memory.weights_, weights)
    assert memory.n_patterns_ == 2
    modern = HopfieldMemory(rule="modern", verbose=2).fit(patterns)
    capsys.readouterr()
    modern.predict(probes)
    assert re.search(r"Update +1/100   probes moving +\d", capsys.readouterr().out)


# -- a real Ctrl-C ------------------------------------------------------------------------
_CHILD = """
import signal, sys, warnings
# a process started with SIGINT ignored (as an earlier test or a tool may leave
# its parent) never gets Python's handler: put it back, as a terminal would have it
signal.signal(signal.SIGINT, signal.default_int_handler)
import numpy as np
from skrnn import ElmanRegressor, GeneticOptimizer
t = np.arange(400) / 4.0
X, y = np.sin(t)[:, None], np.sin(t + 0.5)
endless = dict(max_iter=10**6, tol=0, verbose=True, random_state=0)
fits = {
    "adam": lambda: ElmanRegressor(n_hidden=8, n_iter_no_change=10**6, **endless),
    "lbfgs": lambda: ElmanRegressor(n_hidden=8, solver="lbfgs", max_fun=10**6, **endless),
    "genetic": lambda: GeneticOptimizer(ElmanRegressor(n_hidden=4), population_size=20,
                                        **endless),
}
for name, make in fits.items():
    print("START", name, flush=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = make().fit(X, y)
    mse = float(np.mean((model.predict(X) - y) ** 2))
    print("RESULT", name, model.n_iter_, mse, "|".join(str(w.message) for w in caught),
          flush=True)
"""


def test_a_real_sigint_stops_the_fit_and_keeps_a_model():
    """SIGINT, as Ctrl-C sends it, to a process in the middle of three endless fits."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    results, progress_lines = {}, 0
    with subprocess.Popen([sys.executable, "-c", _CHILD], stdout=subprocess.PIPE, text=True,
                          env=env) as child:
        try:
            sent = None
            for line in child.stdout:
                if line.startswith("START"):
                    progress_lines, sent = 0, None
                elif line.startswith("RESULT"):
                    _, name, n_iter, mse, messages = line.rstrip("\n").split(" ", 4)
                    results[name] = (int(n_iter), float(mse), messages)
                else:
                    progress_lines += 1
                    if progress_lines == 3:  # the fit is surely running: Ctrl-C
                        child.send_signal(signal.SIGINT)
                        sent = time.monotonic()
                    # a fit that ignored it would print on for a million epochs; the
                    # lines already in the pipe when the signal went out are many
                    # on a loaded machine, so the bound is on time, not on lines
                    assert sent is None or time.monotonic() - sent < 60, (
                        "the fit went on after SIGINT")
            assert child.wait(timeout=60) == 0
        finally:
            child.kill()
    assert set(results) == {"adam", "lbfgs", "genetic"}
    for n_iter, mse, messages in results.values():
        assert n_iter >= 2
        assert mse < 0.5  # a trained model (the targets have variance 0.5)
        assert "Training interrupted by user (KeyboardInterrupt)" in messages


# -- the time: how often lines come, the time left, streams --------------------------
@pytest.fixture
def clock(monkeypatch):
    """A clock that moves ``step`` seconds at every reading (``clock.step`` can change)."""
    class Clock:
        now, step = 1000.0, 0.1

        def __call__(self):
            self.now += self.step
            return self.now

    fake = Clock()
    monkeypatch.setattr(_progress, "_clock", fake)
    return fake


def _elapsed(line):
    return float(re.search(r"elapsed +(\d+\.\d+) s", line)[1])


def test_search_summary_lines_come_at_most_once_a_second(clock, capsys):
    X, y = _series(40)
    search = GeneticOptimizer(ElmanRegressor(n_hidden=2), population_size=6, max_iter=200,
                              verbose=True, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    numbers = [int(re.match(r"Generation +(\d+)/200", line)[1]) for line in lines]
    # the first and the last generation, and far fewer lines than generations
    assert numbers[0] == 1 and numbers[-1] == search.n_iter_ == 200
    assert 5 < len(lines) < 100
    gaps = np.diff([_elapsed(line) for line in lines[:-1]])
    assert np.all(gaps >= _progress.SUMMARY_INTERVAL - 1e-9)
    # each line: the best loss so far, the rate, and the time left at that rate
    for line, number in zip(lines[:-1], numbers):
        fields = re.search(r"best loss +(\S+) .* evals per s +(\d+)"
                           r"   elapsed +(\S+) s   left +(\S+) s$", line)
        assert float(fields[1]) == pytest.approx(search.loss_curve_[number - 1], rel=1e-5)
        assert int(fields[2]) > 0
        elapsed, left = float(fields[3]), float(fields[4])
        assert left == pytest.approx(elapsed * (200 - number) / number, abs=0.02)
    assert "left" not in lines[-1]


def test_partial_fit_lines_count_the_whole_stream(clock, capsys):
    # elapsed does not restart at each call, and verbose=1 summarises many chunks
    X, y = _series(600)
    model = EchoStateRegressor(n_reservoir=10, verbose=2, random_state=0)
    for start in range(0, 90, 30):
        model.partial_fit(X[start:start + 30], y[start:start + 30])
    times = [_elapsed(line) for line in capsys.readouterr().out.splitlines()
             if line.startswith("Chunk")]
    assert len(times) == 3 and times[0] < times[1] < times[2]
    assert times[2] > 3 * times[0]      # a clock restarted per call would not grow so
    quiet = EchoStateRegressor(n_reservoir=10, verbose=1, random_state=0)
    for start in range(0, 600, 10):
        quiet.partial_fit(X[start:start + 10], y[start:start + 10])
    lines = capsys.readouterr().out.splitlines()
    chunks = [int(re.match(r"Chunk +(\d+)", line)[1]) for line in lines]
    assert chunks[0] == 1 and 2 < len(chunks) < 60
    assert np.all(np.diff([_elapsed(line) for line in lines]) >= _progress.SUMMARY_INTERVAL)


def test_long_unit_of_work_ticks_with_the_time_left(clock, capsys):
    clock.step = 1.0
    progress = Progress(1)
    for done in range(1, 101):           # 100 batches of one epoch of 4, a second each
        progress.tick("targets", done, 100, context="Epoch 1: ", whole=done / 100 / 4)
    lines = capsys.readouterr().out.splitlines()
    assert 5 <= len(lines) <= 10         # every TICK_INTERVAL (10 s) at most, not at the end
    for line in lines:
        fields = re.fullmatch(r"  Epoch 1: targets (\d+)/100 \((\d+) %\)   elapsed +(\S+) s"
                              r"   left +(\S+) s   fit left at most +(\S+) s", line)
        assert fields, line
        done, elapsed = int(fields[1]), float(fields[3])
        assert int(fields[2]) == done
        assert float(fields[4]) == pytest.approx(100 - done, rel=0.1)       # a second each
        assert float(fields[5]) == pytest.approx(elapsed * (400 - done) / done, rel=0.01)
    assert np.all(np.diff([_elapsed(line) for line in lines]) >= 10)
    Progress(0).tick("targets", 50, 100)
    Progress(2).tick("targets", 100, 100)  # finished: nothing to say
    assert capsys.readouterr().out == ""


def test_a_long_epoch_is_not_silent(clock, capsys):
    clock.step = 2.0                     # every clock reading: two seconds later
    X = np.random.RandomState(0).rand(40, 5, 1)
    y = X.sum(axis=(1, 2))
    with pytest.warns(ConvergenceWarning):
        ElmanRegressor(n_hidden=2, batch_size=2, max_iter=2, verbose=True,
                       random_state=0).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    within = [line for line in lines if line.startswith("  Epoch")]
    assert within and all(re.match(r"  Epoch [12]: targets \d+/40 ", line) for line in within)
    assert all("fit left at most" in line for line in within)
    assert [line.split()[1] for line in lines if line.startswith("Epoch")] == ["1/2", "2/2"]
