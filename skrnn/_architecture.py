"""The parameters that define a fitted network, checked before it trains further.

``partial_fit`` and ``fit`` with ``warm_start=True`` continue the stored
weights. A parameter that shapes the network or its equations (``n_hidden``,
``activation``...) set since the fit would make those weights mean something
else, or not fit at all: such a change is refused, with the parameter, its
fitted value and the new one, before anything of the model changes.
Parameters that only steer training (``learning_rate_init``, ``alpha``,
``max_iter``...) and those that only draw the first weights (``weight_init``)
are not recorded and stay free.

An estimator lists its architecture parameters in ``_architecture_params``
(or overrides ``_architecture`` where two spellings build the same network);
:func:`record_architecture` keeps their values when the network is built and
:func:`check_architecture` compares them on every continued fit. The one
training setting the network itself holds, ``bptt_steps``, is handed to it
again by :func:`follow_training_settings`.
"""

import numpy as np


def _canonical(value):
    """``value`` in a form that compares equal for equal networks.

    Sequences become tuples of Python scalars, and a one-element sequence
    its element: ``n_hidden=(32,)`` builds the network ``n_hidden=32`` does.
    """
    if isinstance(value, (list, tuple, np.ndarray)):
        items = tuple(_canonical(v) for v in value)
        return items[0] if len(items) == 1 else items
    if isinstance(value, np.generic):
        return value.item()
    return value


def architecture(estimator):
    """Name -> canonical value of each of ``estimator._architecture_params``."""
    return {name: _canonical(getattr(estimator, name))
            for name in estimator._architecture_params}


def record_architecture(estimator):
    """Keep the architecture the network is being built with."""
    estimator._fitted_architecture = estimator._architecture()


def continued_call(incremental):
    """The call that continues a fitted network, as named in messages."""
    return "partial_fit" if incremental else "fit with warm_start=True"


def check_architecture(estimator, call, fitted=None, prefix="",
                       refit="fit with warm_start=False"):
    """A ValueError if an architecture parameter changed since the network was built.

    ``call`` names what continues the weights (``'partial_fit'``, ``'fit
    with warm_start=True'``) and ``refit`` what builds a new network, in the
    message. ``fitted`` is the architecture recorded at the fit, by default
    ``estimator``'s own; a meta-estimator passes that of the network it
    fitted from ``estimator``, and ``prefix`` its parameters' prefix.
    """
    if fitted is None:
        fitted = getattr(estimator, "_fitted_architecture", None)
    if fitted is None:  # pickled before the architecture was recorded: nothing to compare
        return
    current = estimator._architecture()
    for name, old in fitted.items():
        if current.get(name) != old:
            name, new = prefix + name, getattr(estimator, name)
            raise ValueError(
                f"{name} changed since the network was fitted: fitted with {name}={old!r}, "
                f"now {name}={new!r}. {call} continues the fitted weights, which belong to "
                f"the network fitted with {name}={old!r}. Set {name} back to {old!r}, or "
                f"build a new network with {refit}.")


def follow_training_settings(estimator):
    """Give the fitted network the estimator's current ``bptt_steps``.

    The network is built once, at the first fit, with the truncation of
    BPTT: without this, a ``bptt_steps`` set since then would be silently
    ignored by the continued fits it is meant to steer. Sub-networks (the
    top layer of a stack, the core of an RNNPB) get it too.
    """
    parts = [estimator._network]
    while parts:
        part = parts.pop()
        part.bptt_steps = estimator.bptt_steps
        parts.extend(p for p in vars(part).values() if hasattr(p, "bptt_steps"))
