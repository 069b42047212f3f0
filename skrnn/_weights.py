"""Sample weights and class weights, checked into one weight per target row.

A sequence estimator's targets are rows of ``Sequences.Y``: one per sequence
(classifiers, per-sequence regression) or one per time step (per-step
regression). :func:`target_weights` turns the ``sample_weight`` a user gives,
in the layout of ``y``, into one weight per such row, and refuses weights no
fit could use.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import inspect

import numpy as np
from sklearn.utils.class_weight import compute_class_weight

from .utils._compat import StrOptions


def _as_weights(values, what):
    w = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(w)):
        raise ValueError(f"sample_weight must be finite; {what} holds NaN or infinity.")
    if np.any(w < 0):
        raise ValueError(f"sample_weight must be non-negative; {what} holds negative values.")
    return w


def target_weights(seqs, sample_weight, allow_all_zero=False):
    """One float64 weight per target row of ``seqs``, or None for equal weights.

    Per-sequence targets take one weight per sequence. Per-step targets take
    one weight per step, in the layout of ``y`` (the series' steps, a
    (n_sequences, n_timesteps) array for 3D ``X``, a list of per-step arrays
    for a list ``X``), or one weight per sequence that every step of the
    sequence then carries.

    ``allow_all_zero`` accepts weights that are all zero: a chunk of a
    streamed series (``partial_fit``) still advances the stream.

    Raises
    ------
    ValueError
        Weights of the wrong shape, negative or non-finite weights, or
        weights that are all zero (unless ``allow_all_zero``: a chunk of a
        series stream, which the state still runs through).
    """
    if sample_weight is None:
        return None
    n_seq = seqs.n_sequences
    if seqs.per_step and seqs.layout == "list" and isinstance(sample_weight, (list, tuple)) \
            and any(np.ndim(v) >= 1 for v in sample_weight):
        if len(sample_weight) != n_seq:
            raise ValueError(f"sample_weight holds {len(sample_weight)} sequences but X "
                             f"holds {n_seq}.")
        parts = [np.ravel(_as_weights(v, "sample_weight")) for v in sample_weight]
        if not np.array_equal([p.shape[0] for p in parts], seqs.lengths):
            raise ValueError("Each sequence of sample_weight must have one weight per step "
                             "of its sequence in X.")
        w = np.concatenate(parts)
    else:
        w = _as_weights(sample_weight, "sample_weight")
        if seqs.per_step:
            if w.ndim == 1 and w.shape[0] == n_seq and seqs.layout != "series":
                w = np.repeat(w, seqs.lengths)  # a sequence's weight on each of its steps
            elif w.size == seqs.n_steps and (
                    (seqs.layout == "series" and w.ndim == 1)
                    or (seqs.layout in ("batch", "rows") and w.ndim == 2
                        and w.shape[0] == n_seq)):
                w = w.ravel()
            else:
                shapes = {"series": f"({seqs.n_steps},)",
                          "batch": f"({n_seq},) or ({n_seq}, {seqs.n_steps // max(n_seq, 1)})",
                          "rows": f"({n_seq},) or ({n_seq}, {seqs.n_steps // max(n_seq, 1)})",
                          "list": f"({n_seq},) or a list of per-step arrays"}[seqs.layout]
                raise ValueError(f"With a target per time step, sample_weight must have "
                                 f"shape {shapes} (a weight per step, or per sequence); "
                                 f"got {w.shape}.")
        elif w.shape != (n_seq,):
            raise ValueError(f"sample_weight must have shape ({n_seq},), one weight per "
                             f"sequence; got {w.shape}.")
    return w if allow_all_zero else _some_positive(w)


def row_weights(sample_weight, n_rows):
    """One float64 weight per row of a 2D ``X`` (the static estimators), or None."""
    if sample_weight is None:
        return None
    w = _as_weights(sample_weight, "sample_weight")
    if w.shape != (n_rows,):
        raise ValueError(f"sample_weight must have shape ({n_rows},), one weight per row "
                         f"of X; got {w.shape}.")
    return _some_positive(w)


def _some_positive(w):
    if not np.any(w > 0):
        raise ValueError("sample_weight is zero everywhere: there is nothing to fit.")
    return w


def with_class_weights(estimator, w, y_indices):
    """Weights ``w`` (or None) times the class weight of each label (indices into
    ``estimator.classes_``), or ``w`` itself when ``class_weight`` is None."""
    per_class = class_weights_of(estimator, y_indices)
    if per_class is None:
        return w
    w = per_class if w is None else w * per_class
    if not np.any(w > 0):
        raise ValueError("sample_weight times class_weight is zero for every sequence "
                         "(or row): there is nothing to fit.")
    return w


def class_weights_of(estimator, y_indices):
    """The weight of each label (indices into ``estimator.classes_``) from ``class_weight``.

    Returns None when ``class_weight`` is None. ``'balanced'`` weighs class
    c by ``n_samples / (n_classes * n_c)`` over the labels of this fit, as
    scikit-learn does (``partial_fit`` refuses it first, see
    :func:`check_partial_fit_class_weight`).
    """
    class_weight = getattr(estimator, "class_weight", None)
    if class_weight is None:
        return None
    classes = estimator.classes_
    if isinstance(class_weight, dict):
        unknown = [c for c in class_weight if c not in set(classes.tolist())]
        if unknown:
            raise ValueError(f"class_weight names classes {unknown!r} that are not among "
                             f"the classes {classes!r}.")
        for c, v in class_weight.items():
            if not (np.isfinite(v) and v >= 0):
                raise ValueError(f"class_weight must be finite and non-negative; got "
                                 f"{v!r} for class {c!r}.")
        per_class = np.array([float(class_weight.get(c, 1.0)) for c in classes.tolist()])
    else:  # 'balanced': over the labels present in this call
        present = np.unique(y_indices)
        per_class = np.zeros(classes.shape[0])
        per_class[present] = compute_class_weight("balanced", classes=present, y=y_indices)
    return per_class[y_indices]


def check_partial_fit_class_weight(estimator):
    """Refuse ``class_weight='balanced'`` in ``partial_fit``, as scikit-learn's SGD does.

    Balancing over the labels of one call would weigh each chunk by its own
    class counts, not by those of the stream: a chunk holding one sequence of
    a rare class would give it as much weight as all the others.
    """
    if getattr(estimator, "class_weight", None) == "balanced":
        raise ValueError(
            "class_weight='balanced' is not supported by partial_fit: it would be "
            "computed from the labels of each call alone. Compute the weights once "
            "from the labels of the whole stream (or a large enough sample of them), "
            "weights = compute_class_weight('balanced', classes=classes, y=y) from "
            "sklearn.utils.class_weight, and pass "
            "class_weight=dict(zip(classes, weights)).")


CLASS_WEIGHT_DOC = """
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, as in scikit-learn: ``{label: weight}``
        (classes left out weigh 1), or ``'balanced'``, which weighs class c
        by ``n_samples / (n_classes * n_c)`` over the labels of each ``fit``,
        a sample being a sequence (a row for the RNN-ELM). Multiplied with
        ``sample_weight``. ``partial_fit`` refuses ``'balanced'`` (one call's
        labels are not the stream's): pass the dict of
        :func:`~sklearn.utils.class_weight.compute_class_weight`.
"""


def add_class_weight(cls):
    """Give a classifier the ``class_weight`` parameter its regressor twin lacks.

    The regressor and classifier of a family share one ``__init__``; the
    classifier's gets ``class_weight`` as a last keyword (in the signature
    scikit-learn reads for ``get_params``) and its constraint.
    """
    base_init = cls.__init__
    signature = inspect.signature(base_init)

    def __init__(self, *args, class_weight=None, **kwargs):
        unknown = sorted(set(kwargs) - set(signature.parameters))
        if unknown:  # named after the class the user called, as Python would
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword "
                            f"argument {unknown[0]!r}")
        base_init(self, *args, **kwargs)
        self.class_weight = class_weight

    params = list(signature.parameters.values())
    params.append(inspect.Parameter("class_weight", inspect.Parameter.KEYWORD_ONLY,
                                    default=None))
    __init__.__signature__ = signature.replace(parameters=params)
    __init__.__doc__ = base_init.__doc__
    __init__.__qualname__ = f"{cls.__name__}.__init__"
    cls.__init__ = __init__
    # the parameter's entry, last of the Parameters section
    marker = "\n    Attributes\n    ----------"
    if cls.__doc__ and marker in cls.__doc__:
        cls.__doc__ = cls.__doc__.replace(marker, CLASS_WEIGHT_DOC + marker, 1)
    cls._parameter_constraints = {**cls._parameter_constraints,
                                  "class_weight": [None, dict, StrOptions({"balanced"})]}
    return cls


def weight_kwargs(estimator, method, sample_weight):
    """``{'sample_weight': ...}`` for the estimator's ``method``; ValueError if it takes none."""
    if sample_weight is None:
        return {}
    if "sample_weight" not in inspect.signature(getattr(estimator, method)).parameters:
        raise ValueError(f"sample_weight was given, but {type(estimator).__name__}.{method} "
                         "takes no sample_weight.")
    return {"sample_weight": sample_weight}
