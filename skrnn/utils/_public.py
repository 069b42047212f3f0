"""What every public estimator class gets: its own ``__init__`` name and a version stamp.

``skrnn/__init__.py`` applies :func:`publish` to each class it exports, so
the family modules need not repeat it.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import types
import warnings


class InconsistentVersionWarning(UserWarning):
    """A model pickled by one skrnn version is being loaded by another.

    Its fitted attributes may mean something else, or be missing, in this
    version: refit the model, or load it with the version that saved it
    (``original_version``). Public as ``skrnn.exceptions.InconsistentVersionWarning``.

    Parameters
    ----------
    estimator_name : str
        The class of the model loaded.
    current_version : str
        The skrnn version loading it.
    original_version : str
        The skrnn version that saved it.

    Examples
    --------
    >>> import warnings
    >>> from skrnn.exceptions import InconsistentVersionWarning
    >>> warnings.simplefilter("error", InconsistentVersionWarning)  # refuse such models
    >>> str(InconsistentVersionWarning("ElmanRegressor", "0.2.0", "0.1.0"))[:52]
    'Loading ElmanRegressor saved by skrnn 0.1.0 with skr'
    >>> warnings.resetwarnings()
    """

    def __init__(self, estimator_name, current_version, original_version):
        self.estimator_name = estimator_name
        self.current_version = current_version
        self.original_version = original_version
        super().__init__(
            f"Loading {estimator_name} saved by skrnn {original_version} with skrnn "
            f"{current_version}: its fitted state may not mean the same here, and predictions "
            f"may be wrong or fail. Refit it with skrnn {current_version}, or load it with "
            f"skrnn {original_version}."
        )


def _version():
    from .. import __version__  # late: skrnn/__init__.py defines it after its imports

    return __version__


def _own_init(cls):
    """Give ``cls`` a copy of its inherited ``__init__`` under its own name.

    A mistyped keyword makes Python name the function's qualified name in
    its ``TypeError`` ("_BaseLSTM.__init__() got an unexpected keyword
    argument"): the copy names the class the user called. Same code, same
    signature, so ``get_params`` and ``clone`` see no difference.
    """
    init = cls.__init__
    if "__init__" in cls.__dict__ or not isinstance(init, types.FunctionType):
        return
    qualname = f"{cls.__name__}.__init__"
    code = init.__code__
    if hasattr(code, "co_qualname"):  # Python >= 3.11 names co_qualname in the error
        code = code.replace(co_qualname=qualname)
    copy = types.FunctionType(code, init.__globals__, init.__name__, init.__defaults__,
                              init.__closure__)
    copy.__kwdefaults__ = init.__kwdefaults__
    copy.__qualname__ = qualname
    copy.__doc__ = init.__doc__
    copy.__module__ = cls.__module__
    cls.__init__ = copy


def publish(cls):
    """Prepare a public estimator class; returns it.

    - its ``__init__`` is named after it (see :func:`_own_init`);
    - pickling stamps the skrnn version into the state, and unpickling with
      another version warns :class:`InconsistentVersionWarning`, as
      scikit-learn does for its own version (whose stamp and check stay).
    """
    _own_init(cls)
    parent_getstate, parent_setstate = cls.__getstate__, cls.__setstate__

    def __getstate__(self):
        # a copy: object.__getstate__ may hand back the live __dict__
        state = dict(parent_getstate(self))
        state["_skrnn_version"] = _version()
        return state

    def __setstate__(self, state):
        state = dict(state)
        saved = state.pop("_skrnn_version", "an unknown version")
        current = _version()
        if saved != current:
            warnings.warn(InconsistentVersionWarning(type(self).__name__, current, saved),
                          stacklevel=2)
        parent_setstate(self, state)

    for method in (__getstate__, __setstate__):
        method.__qualname__ = f"{cls.__name__}.{method.__name__}"
        setattr(cls, method.__name__, method)
    return cls
