"""Progress lines of verbose fits, and the warning of an interrupted one.

Every iterative skrnn estimator reports through :class:`Progress`, so that
an epoch of an Elman network, a generation of the genetic algorithm and a
chunk of a streamed echo state network read alike::

    Epoch   3/200   loss    0.0123457   val score     0.912346   elapsed    0.42 s

Lines go to stdout with ``print``, as scikit-learn's own verbose output.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import time
import warnings
from numbers import Integral, Real

# numbers right-aligned in columns of a fixed width, so that the lines of a
# fit stack into a table a person can scan
_FLOAT_WIDTH = 12
_INT_WIDTH = 8


def format_seconds(seconds):
    """``'   0.42 s'``: a duration, right-aligned, with its unit."""
    return f"{seconds:7.2f} s"


def _format_value(value):
    if isinstance(value, bool) or not isinstance(value, (Integral, Real)):
        return str(value)
    if isinstance(value, Integral):
        return f"{value:>{_INT_WIDTH}d}"
    return f"{value:>#{_FLOAT_WIDTH}.6g}"


def format_line(label, number, total=None, values=(), elapsed=None):
    """One progress line: the counter, then ``name value`` pairs, then the time.

    Parameters
    ----------
    label : str
        What is counted ('Epoch', 'Generation', 'Chunk'...).
    number : int
        Its number, from 1.
    total : int, default=None
        The most there can be (``max_iter``), printed as ``number/total``.
    values : iterable of (str, object)
        Named values in order; floats are printed to 6 significant digits,
        right-aligned.
    elapsed : float, default=None
        Seconds since the fit started.
    """
    if total is None:
        counter = f"{label} {number:>{_INT_WIDTH - 2}d}"
    else:
        width = len(str(total))
        counter = f"{label} {number:>{width}d}/{total}"
    parts = [counter] + [f"{name} {_format_value(value)}" for name, value in values]
    if elapsed is not None:
        parts.append(f"elapsed {format_seconds(elapsed)}")
    return "   ".join(parts)


class Progress:
    """The clock and the printer of one verbose fit.

    Parameters
    ----------
    verbose : bool or int
        Nothing is printed when false; levels above 1 let an estimator print
        finer-grained lines (``detailed``).
    """

    def __init__(self, verbose):
        self.verbose = int(verbose)
        self.start = time.perf_counter()

    @property
    def elapsed(self):
        """Seconds since this fit started."""
        return time.perf_counter() - self.start

    @property
    def detailed(self):
        """Whether lines finer than one per iteration are wanted (verbose >= 2)."""
        return self.verbose >= 2

    def step(self, label, number, total=None, **values):
        """Print the line of one iteration (epoch, generation, chunk...).

        Keyword names become the printed names, underscores as spaces.
        """
        if self.verbose:
            print(format_line(label, number, total,
                              [(name.replace("_", " "), value) for name, value in values.items()],
                              self.elapsed))

    def note(self, text):
        """Print what was done, with the time since the fit started."""
        if self.verbose:
            print(f"{text} (elapsed {format_seconds(self.elapsed).strip()})")


def warn_interrupted(kept, stacklevel=2):
    """Say that a fit was stopped by Ctrl-C (KeyboardInterrupt) and what it kept.

    The fit returns normally after this, with a usable model, as
    scikit-learn's MLP does.
    """
    warnings.warn(f"Training interrupted by user (KeyboardInterrupt); {kept}",
                  UserWarning, stacklevel=stacklevel + 1)
