"""The feedback mapping: which input column each forecast output stands for."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_array


def resolve_feedback(estimator, feedback):
    """Input column fed by each output: an int array of length ``n_outputs_`` (-1: none).

    Parameters
    ----------
    estimator : fitted sequence regressor
    feedback : None, int, str or sequence of (int, str or None)
        None maps output j to input column j, which needs as many outputs as
        input features. Otherwise entry j names the input column, by
        position or (for a model fitted on a DataFrame) by name, that output
        j feeds; None leaves that output out of the loop.
    """
    n_out, n_in = estimator.n_outputs_, estimator._n_inputs
    if feedback is None:
        if n_out != n_in:
            raise ValueError(
                "forecast with feedback=None feeds output j back into input column j, which "
                f"needs as many outputs as input features; the model has {n_out} outputs and "
                f"{n_in} input features. Say which input column each output stands for with "
                "feedback=[column of output 0, ...] (by position, or by name for a model "
                "fitted on a DataFrame); the other columns are covariates.")
        return np.arange(n_out)
    if isinstance(feedback, (str, Integral)):
        feedback = [feedback]
    feedback = list(feedback)
    if len(feedback) != n_out:
        raise ValueError(f"feedback must give one input column (or None) for each of the "
                         f"{n_out} outputs; got {len(feedback)} entries.")
    names = getattr(estimator, "feature_names_in_", None)
    columns = []
    for j, col in enumerate(feedback):
        if col is None:
            columns.append(-1)
        elif isinstance(col, str):
            if names is None:
                raise ValueError(f"feedback names column {col!r}, but the model was not "
                                 "fitted on a DataFrame with column names; give positions.")
            hits = np.flatnonzero(np.asarray(names) == col)
            if hits.size == 0:
                raise ValueError(f"feedback names column {col!r}, which the model was not "
                                 f"fitted with; its columns are {list(names)}.")
            columns.append(int(hits[0]))
        elif isinstance(col, (Integral, np.integer)) and not isinstance(col, bool):
            if not -n_in <= col < n_in:
                raise ValueError(f"feedback column {col} of output {j} does not exist: the "
                                 f"model has {n_in} input features.")
            columns.append(int(col) % n_in)
        else:
            raise ValueError(f"feedback entries must be column positions, column names or "
                             f"None; entry {j} is {col!r}.")
    columns = np.asarray(columns, dtype=np.intp)
    used = columns[columns >= 0]
    twice = [c for c in np.unique(used) if np.count_nonzero(used == c) > 1]
    if twice:
        label = names[twice[0]] if names is not None else twice[0]
        raise ValueError(f"feedback names input column {label!r} for more than one output; "
                         "each column can stand for one output only.")
    return columns


def covariate_columns(estimator, fed):
    """Positions of the input columns that are not fed back (the known covariates)."""
    return np.setdiff1d(np.arange(estimator._n_inputs), fed[fed >= 0])


def check_covariates(estimator, covariates, fed, n_sequences, n_rows, dtype, series):
    """Future input rows, shape (n_sequences, n_rows, n_inputs), covariates filled in.

    ``covariates`` holds, for each sequence, the ``n_rows`` input rows that
    follow its history: either only the covariate columns (in the order of
    the inputs) or whole input rows, whose fed-back columns are ignored. A
    DataFrame is matched to the fitted column names.
    """
    cov = covariate_columns(estimator, fed)
    n_in = estimator._n_inputs
    rows = np.zeros((n_sequences, n_rows, n_in), dtype=dtype)
    if cov.size == 0 and covariates is None:
        return rows
    if covariates is None:
        if n_rows == 0:
            return rows
        raise ValueError(
            f"The model has {cov.size} input columns that are not fed back (covariates); "
            f"forecasting {n_rows + 1} steps needs their future values: pass covariates with "
            f"the {n_rows} input rows that follow the history.")
    names = getattr(estimator, "feature_names_in_", None)
    if hasattr(covariates, "columns") and names is not None:
        wanted = [names[c] for c in cov]
        missing = [w for w in wanted if w not in covariates.columns]
        if missing:
            raise ValueError(f"covariates lacks the columns {missing}; it needs the future "
                             f"values of {wanted}.")
        covariates = covariates[wanted]
    C = check_array(covariates, ensure_2d=False, allow_nd=True, dtype=dtype,
                    ensure_all_finite="allow-nan", ensure_min_samples=0,
                    input_name="covariates")
    if series and C.ndim == 1:
        C = C.reshape(-1, 1)
    if series and C.ndim == 2:
        C = C[None]
    expected = (f"({n_rows}, {cov.size}) or ({n_rows}, {n_in})" if series
                else f"({n_sequences}, {n_rows}, {cov.size}) or ({n_sequences}, {n_rows}, {n_in})")
    if C.ndim != 3 or C.shape[0] != n_sequences or C.shape[1] != n_rows \
            or C.shape[2] not in (cov.size, n_in):
        shape = C.shape[1:] if series and C.ndim == 3 else C.shape
        raise ValueError(
            f"covariates must hold the {n_rows} input rows that follow the history (one per "
            f"forecast step after the first), with the {cov.size} covariate columns or all "
            f"{n_in} input columns: shape {expected}; got {shape}.")
    C = C[..., cov] if C.shape[2] == n_in else C
    if not np.all(np.isfinite(C)):
        raise ValueError("covariates must be finite in the covariate columns.")
    rows[..., cov] = C
    return rows
