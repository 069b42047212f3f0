"""Progress lines of verbose fits, and the warning of an interrupted one.

Every iterative skrnn estimator reports through :class:`Progress`, so that
an epoch of an Elman network, a generation of the genetic algorithm and a
chunk of a streamed echo state network read alike::

    Epoch   3/200   loss    0.0123457   val score     0.912346   elapsed    0.42 s

Lines go to stdout with ``print``, as scikit-learn's own verbose output.
When the most there can be is known (``3/200``), a line also says how long
the rest would take at the rate so far (``left``).

Where the units of work are many and short (generations of a weight search,
chunks streamed through ``partial_fit``), ``verbose=1`` prints a summary
line at most every :data:`SUMMARY_INTERVAL` seconds, with the first and the
last; ``verbose=2`` prints them all. Where one unit is long (an epoch over
many sequences, a reservoir run over a long series), :meth:`Progress.tick`
prints how far it has gone every :data:`TICK_INTERVAL` seconds, so that a
long fit is never silent.
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

#: seconds between two summary lines at verbose=1 (the first and last always print)
SUMMARY_INTERVAL = 1.0
#: seconds between two lines within one long unit of work, at verbose=1 and >= 2
TICK_INTERVAL = {1: 10.0, 2: 1.0}


def _clock():
    # one indirection, so that tests can drive the time
    return time.perf_counter()


def format_seconds(seconds):
    """``'   0.42 s'``: a duration, right-aligned, with its unit."""
    return f"{seconds:7.2f} s"


def _format_value(value):
    if isinstance(value, bool) or not isinstance(value, (Integral, Real)):
        return str(value)
    if isinstance(value, Integral):
        return f"{value:>{_INT_WIDTH}d}"
    return f"{value:>#{_FLOAT_WIDTH}.6g}"


def format_line(label, number, total=None, values=(), elapsed=None, left=None):
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
    left : float, default=None
        Seconds the rest would take at the rate so far.
    """
    if total is None:
        counter = f"{label} {number:>{_INT_WIDTH - 2}d}"
    else:
        width = len(str(total))
        counter = f"{label} {number:>{width}d}/{total}"
    parts = [counter] + [f"{name} {_format_value(value)}" for name, value in values]
    if elapsed is not None:
        parts.append(f"elapsed {format_seconds(elapsed)}")
    if left is not None:
        parts.append(f"left {format_seconds(left)}")
    return "   ".join(parts)


def _left(elapsed, done, total):
    """Seconds for the rest at the rate so far (None before anything is done)."""
    if total is None or not done or done >= total:
        return None
    return elapsed * (total - done) / done


class Progress:
    """The clock and the printer of one verbose fit.

    Parameters
    ----------
    verbose : bool or int
        Nothing is printed when false; levels above 1 let an estimator print
        finer-grained lines (``detailed``) and every summary line.
    offset : float, default=0.0
        Seconds already spent before this call, counted in ``elapsed``: the
        earlier ``partial_fit`` calls of a stream, so that its lines show
        the time of the whole stream.
    last_line : float, default=None
        When an earlier call of the stream printed its last line (its
        ``last_line``), so that summary lines keep their rate across calls.
    """

    def __init__(self, verbose, offset=0.0, last_line=None):
        self.verbose = int(verbose)
        self.start = _clock() - offset
        self.last_line = last_line  # when the last line was printed
        self._tick_start = {}       # label -> (clock at the first tick, fraction then)

    @property
    def elapsed(self):
        """Seconds since this fit (or stream) started."""
        return _clock() - self.start

    @property
    def detailed(self):
        """Whether lines finer than one per iteration are wanted (verbose >= 2)."""
        return self.verbose >= 2

    def _print(self, line):
        print(line, flush=True)
        self.last_line = _clock()

    def step(self, label, number, total=None, *, summary=False, last=False, **values):
        """Print the line of one iteration (epoch, generation, chunk...).

        Keyword names become the printed names, underscores as spaces. With
        ``summary``, ``verbose=1`` prints the line only if it is the first,
        the ``last`` or :data:`SUMMARY_INTERVAL` seconds after the previous
        one, so that many short iterations make few lines.
        """
        if not self.verbose:
            return
        # (a clock reading from another process, after unpickling, is ignored)
        if summary and self.verbose < 2 and not last and self.last_line is not None \
                and 0 <= _clock() - self.last_line < SUMMARY_INTERVAL:
            return
        elapsed = self.elapsed
        self._print(format_line(
            label, number, total,
            [(name.replace("_", " "), value) for name, value in values.items()],
            elapsed, _left(elapsed, number, total)))

    def tick(self, label, done, total, *, context="", whole=None):
        """Say how far one long unit of work has gone, if it has been a while.

        Prints ``  {context}{label} {done}/{total} (p %)`` with the time
        left for this unit at its rate so far, every
        :data:`TICK_INTERVAL` seconds at most (none in a unit shorter than
        that). ``whole`` is the fraction of the whole fit done (with this
        unit's progress), to print the time left for all of it as well.
        """
        if not self.verbose or not total:
            return
        now = _clock()
        started, done_before = self._tick_start.setdefault(label, (now, done))
        since = self.last_line if self.last_line is not None else self.start
        if done >= total or now - since < TICK_INTERVAL[min(self.verbose, 2)]:
            if done >= total:
                del self._tick_start[label]
            return
        rate_left = _left(now - started, done - done_before, total - done_before)
        line = (f"  {context}{label} {done}/{total} ({100 * done / total:.0f} %)   "
                f"elapsed {format_seconds(now - self.start)}")
        if rate_left is not None:
            line += f"   left {format_seconds(rate_left)}"
        if whole is not None and whole > 0:
            fit_left = (now - self.start) * (1 - whole) / whole
            line += f"   fit left at most {format_seconds(fit_left)}"
        self._print(line)

    def note(self, text):
        """Print what was done, with the time since the fit started."""
        if self.verbose:
            self._print(f"{text} (elapsed {format_seconds(self.elapsed).strip()})")


def warn_interrupted(kept, stacklevel=2):
    """Say that a fit was stopped by Ctrl-C (KeyboardInterrupt) and what it kept.

    The fit returns normally after this, with a usable model, as
    scikit-learn's MLP does.
    """
    warnings.warn(f"Training interrupted by user (KeyboardInterrupt); {kept}",
                  UserWarning, stacklevel=stacklevel + 1)
