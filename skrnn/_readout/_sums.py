"""The readout's sums: centred moments of its rows, summed leaf by leaf and merged exactly."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import ctypes

import numpy as np
from scipy.linalg import blas, cython_blas

#: folds of ``alpha='cv'``: readout rows go to contiguous blocks, block b to fold b % N_FOLDS
N_FOLDS = 5
#: at most this many blocks are kept; when a stream outgrows them, neighbours merge in pairs
_MAX_BLOCKS = 2 * N_FOLDS


def _blas_function(name, *argtypes):
    """The BLAS routine ``name`` of scipy's BLAS, called through ctypes.

    scipy's Python wrappers (``scipy.linalg.blas``) keep the GIL while BLAS
    runs; a ctypes call releases it, so that the reservoir's thread is not
    held up at every window while the readout's sums run on another thread
    (the same routine of the same library: the same bits).
    """
    capsule = cython_blas.__pyx_capi__[name]
    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype, get_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype = ctypes.c_void_p
    get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    address = get_pointer(capsule, get_name(capsule))
    return ctypes.CFUNCTYPE(None, *argtypes)(address)


_INT, _DOUBLE = ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_double)
_DSYRK = _blas_function("dsyrk", ctypes.c_char_p, ctypes.c_char_p, _INT, _INT, _DOUBLE,
                        ctypes.c_void_p, _INT, _DOUBLE, ctypes.c_void_p, _INT)


def _syrk_lower(A, C):
    """``C += A A^T`` on C's lower triangle, in place, without the GIL.

    ``A`` (p, m) and ``C`` (p, p) are Fortran-ordered float64 (what
    ``blas.dsyrk(1.0, A, beta=1.0, c=C, trans=0, lower=1, overwrite_c=1)``
    does, with the GIL released).
    """
    p, m = A.shape
    if p == 0 or m == 0:
        return
    assert A.flags.f_contiguous and C.flags.f_contiguous and C.shape == (p, p)
    n, k, lda = ctypes.c_int(p), ctypes.c_int(m), ctypes.c_int(p)
    one = ctypes.c_double(1.0)
    _DSYRK(b"L", b"N", ctypes.byref(n), ctypes.byref(k), ctypes.byref(one), A.ctypes.data,
           ctypes.byref(lda), ctypes.byref(one), C.ctypes.data, ctypes.byref(n))


def _shifted_rows(H, m, shift=None):
    """The rows ``H`` (an array or column blocks) minus ``shift`` (default: their mean).

    Returns ``(shift, new C-contiguous float64 (m, p) array)``: the copy that
    joins the blocks side by side is the one that shifts them.
    """
    blocks = H if isinstance(H, (list, tuple)) else [H]
    out = np.empty((m, sum(B.shape[1] for B in blocks)), dtype=np.float64)
    parts, col = [], 0
    for B in blocks:
        width = B.shape[1]
        centre = (B.mean(axis=0, dtype=np.float64) if shift is None
                  else shift[col:col + width])
        np.subtract(B, centre, out=out[:, col:col + width])
        parts.append(centre)
        col += width
    return (np.concatenate(parts) if shift is None else shift), out


class Moments:
    """Weight total, means and centred cross-products of the rows ``(H, Y)``, in float64.

    Rows are summed about a fixed *shift* ``c``, the mean of the first rows
    added: ``T_hh = sum (h - c)(h - c)^T`` (lower triangle), ``T_hy``, the
    diagonal of ``T_yy`` and the column sums of ``h - c`` and ``y - c_y``.
    The centred moments (:attr:`mean_h`, :attr:`s_hh`, ...) follow from them
    exactly, and lose to the mean only ``(|mean - c| / spread)^2`` rounding
    errors: near nothing, where raw ``H^T H`` would lose ``(|mean| /
    spread)^2`` (a state dominated by its bias, a slow sine). Adding rows is
    one pass to shift them and one rank-k update: nothing of size
    ``n_features^2`` but the update itself.

    Rows may carry weights ``w`` (frequency weights: a row of weight 2 is
    the row twice). The shifted rows are scaled by ``sqrt(w)`` before the
    rank-k update, the column sums are ``w``-weighted, and :attr:`n`, the
    count, becomes the weight total (a float); :attr:`n_rows` still counts
    the rows. Weights of 1 give the same bits as no weights.

    Parameters
    ----------
    n_features, n_outputs : int
    """

    def __init__(self, n_features, n_outputs):
        self.n = 0          # weight total (the row count without weights)
        self.n_rows = 0
        self.shift_h = np.zeros(n_features)
        self.shift_y = np.zeros(n_outputs)
        self.sum_h = np.zeros(n_features)
        self.sum_y = np.zeros(n_outputs)
        # Fortran order: BLAS syrk and syr update it in place (lower triangle)
        self.t_hh = np.zeros((n_features, n_features), order="F")
        self.t_hy = np.zeros((n_features, n_outputs))
        self.t_yy = np.zeros(n_outputs)
        self._centred = []

    _ARRAYS = ("shift_h", "shift_y", "sum_h", "sum_y", "t_hy", "t_yy")

    def copy(self):
        new = Moments.__new__(Moments)
        new.n, new.n_rows = self.n, self.n_rows
        for name in self._ARRAYS:
            setattr(new, name, getattr(self, name).copy())
        new.t_hh = self.t_hh.copy(order="F")
        new._centred = []
        return new

    def add(self, H, Y, weights=None):
        """Add the rows ``H`` (m, p) and ``Y`` (m, k), with positive ``weights`` (m,) or
        None; ``H`` may be a list of column blocks."""
        m = Y.shape[0]
        if m == 0:
            return self
        first = self.n_rows == 0
        shift_h, Hs = _shifted_rows(H, m, None if first else self.shift_h)
        shift_y, Ys = _shifted_rows([Y], m, None if first else self.shift_y)
        if first:
            self.shift_h, self.shift_y = shift_h, shift_y
        if weights is not None:
            # sqrt(w) on both sides of every product; w itself on the column sums
            root = np.sqrt(weights)[:, None]
            Hs *= root
            Ys *= root
            sum_h, sum_y = (Hs * root).sum(axis=0), (Ys * root).sum(axis=0)
        else:
            sum_h, sum_y = Hs.sum(axis=0), Ys.sum(axis=0)
        # Hs.T is Fortran-ordered: BLAS reads it without a transposed copy
        _syrk_lower(Hs.T, self.t_hh)
        self.t_hy += Hs.T @ Ys
        self.t_yy += np.einsum("ij,ij->j", Ys, Ys)
        self.sum_h += sum_h
        self.sum_y += sum_y
        self.n += m if weights is None else float(weights.sum())
        self.n_rows += m
        self._centred.clear()
        return self

    def merge(self, other):
        """Add the moments of ``other`` (rows seen elsewhere), moved to this shift.

        With ``d = c_other - c``, ``sum (h - c)(h - c)^T`` over the other rows
        is ``T_other + d s^T + s d^T + n_other d d^T`` (``s`` their shifted
        sum): Chan, Golub and LeVeque's pairwise update, about a fixed shift.
        """
        if other.n_rows == 0:
            return self
        if self.n_rows == 0:
            self.__dict__.update(other.copy().__dict__)
            return self
        d_h, d_y = other.shift_h - self.shift_h, other.shift_y - self.shift_y
        self.t_hh += other.t_hh
        if np.any(d_h):
            blas.dsyr2(1.0, d_h, other.sum_h, a=self.t_hh, lower=1, overwrite_a=1)
            blas.dsyr(float(other.n), d_h, a=self.t_hh, lower=1, overwrite_a=1)
        self.t_hy += (other.t_hy + np.outer(d_h, other.sum_y) + np.outer(other.sum_h, d_y)
                      + other.n * np.outer(d_h, d_y))
        self.t_yy += other.t_yy + 2 * d_y * other.sum_y + other.n * d_y * d_y
        self.sum_h += other.sum_h + other.n * d_h
        self.sum_y += other.sum_y + other.n * d_y
        self.n += other.n
        self.n_rows += other.n_rows
        self._centred.clear()
        return self

    def _centred_moments(self):
        if not self._centred:
            n = self.n if self.n > 0 else 1     # a weight total may be below 1
            a_h, a_y = self.sum_h / n, self.sum_y / n     # mean - shift
            s_hh = self.t_hh.copy(order="F")
            blas.dsyr(-float(self.n), a_h, a=s_hh, lower=1, overwrite_a=1)
            self._centred.append({
                "mean_h": self.shift_h + a_h, "mean_y": self.shift_y + a_y, "s_hh": s_hh,
                "s_hy": self.t_hy - self.n * np.outer(a_h, a_y),
                "s_yy": self.t_yy - self.n * a_y * a_y})
        return self._centred[0]

    @property
    def mean_h(self):
        return self._centred_moments()["mean_h"]

    @property
    def mean_y(self):
        return self._centred_moments()["mean_y"]

    @property
    def s_hh(self):
        """Centred ``sum (h - mean)(h - mean)^T``, lower triangle (the upper is zero)."""
        return self._centred_moments()["s_hh"]

    @property
    def s_hy(self):
        return self._centred_moments()["s_hy"]

    @property
    def s_yy(self):
        return self._centred_moments()["s_yy"]

    def gram(self):
        """The full symmetric ``S_hh`` (the lower triangle mirrored)."""
        S = np.tril(self.s_hh)
        return S + np.tril(S, -1).T

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_centred"] = []      # derived: not pickled
        return state


#: a leaf of the summation holds at most about this many feature values (a power of
#: two of positions, 2 MB of float64): large enough that a leaf's rank-k update runs
#: at BLAS speed, small enough that a partial_fit re-sums little of an incomplete one
LEAF_ELEMENTS = 1 << 18


def leaf_size_for(n_features, elements=None):
    """The largest power of two of positions whose rows hold at most ``elements`` values
    (default ``LEAF_ELEMENTS``)."""
    elements = LEAF_ELEMENTS if elements is None else elements
    return 1 << max(0, int(elements // max(n_features, 1)).bit_length() - 1)


class ReadoutSums:
    """Everything a ridge readout needs of its rows, in O(n_features^2) memory.

    Rows carry a position: the time step of a series, the index of a
    sequence or of a row. The moments of all rows (:attr:`total`) are summed
    leaf by leaf, a leaf being the rows of ``leaf_size`` consecutive positions,
    in position order; the rows of a leaf not yet complete wait in a buffer.
    The sums therefore go through the same floating-point operations however
    the rows were chunked: ``fit`` and ``partial_fit`` over any chunking of a
    stream whose positions arrive in order hold bit-identical sums, and so
    solve the same readout however ill-conditioned it is. Rows added without
    positions, or out of order (the per-step rows of a batch of sequences),
    and sums merged from elsewhere (Dask blocks) are exact to rounding.

    With ``folds=True`` the moments of contiguous blocks of positions are
    kept too, for ``alpha='cv'``: block ``b`` holds positions
    ``[b B, (b + 1) B)``, ``B`` the least power of two that keeps at most
    ``_MAX_BLOCKS`` blocks for the positions seen so far (when a stream
    outgrows them, neighbouring blocks merge in pairs); the blocks depend
    only on the positions, never on the chunking.

    Parameters
    ----------
    n_features, n_outputs : int
    folds : bool, default=False
        Keep the per-block moments that ``alpha='cv'`` needs.
    leaf_size : int, default=None
        Positions per leaf (a power of two); None is :func:`leaf_size_for`.
    """

    def __init__(self, n_features, n_outputs, folds=False, leaf_size=None):
        self._folded = Moments(n_features, n_outputs)   # complete leaves, in order
        self._pending = None        # (leaf, [(blocks, Y, w), ...]): the incomplete leaf's rows
        self._cache = []            # the total with the pending rows, once computed
        self.leaf_size = int(leaf_size or leaf_size_for(n_features))
        self.folds = bool(folds)
        self.block_size = 1
        self.blocks = {}
        self.n_positions = 0

    @property
    def total(self):
        """The moments of every row added: the folded leaves, then the pending rows."""
        if self._pending is None:
            return self._folded
        if not self._cache:
            self._cache.append(self._folded.copy().add(*self._pending_rows()))
        return self._cache[0]

    @property
    def n(self):
        """The weight total of the rows added (their count, without weights)."""
        if self._pending is None:
            return self._folded.n
        return self._folded.n + sum(Y.shape[0] if w is None else float(w.sum())
                                    for _, Y, w in self._pending[1])

    @property
    def n_rows(self):
        """The rows added (rows of zero weight or a NaN target are not added)."""
        pending = (0 if self._pending is None
                   else sum(Y.shape[0] for _, Y, _ in self._pending[1]))
        return self._folded.n_rows + pending

    @property
    def n_features(self):
        return self._folded.mean_h.shape[0]

    @property
    def n_outputs(self):
        return self._folded.mean_y.shape[0]

    def copy(self):
        new = ReadoutSums.__new__(ReadoutSums)
        new._folded = self._folded.copy()
        new._pending = (None if self._pending is None else
                        (self._pending[0], [([B.copy() for B in blocks], Y.copy(),
                                             None if w is None else w.copy())
                                            for blocks, Y, w in self._pending[1]]))
        new._cache = []
        new.leaf_size = self.leaf_size
        new.folds = self.folds
        new.block_size = self.block_size
        new.blocks = {b: m.copy() for b, m in self.blocks.items()}
        new.n_positions = self.n_positions
        return new

    def reserve(self, n_positions):
        """Make room for positions up to ``n_positions``: coarsen the blocks if needed."""
        self.n_positions = max(self.n_positions, int(n_positions))
        size = self.block_size
        while -(-self.n_positions // size) > _MAX_BLOCKS:
            size *= 2
        self._coarsen(size)
        return self

    def _coarsen(self, size):
        if size <= self.block_size:
            return
        merged = {}
        for b in sorted(self.blocks):
            key = b * self.block_size // size
            if key in merged:
                merged[key].merge(self.blocks[b])
            else:
                merged[key] = self.blocks[b]
        self.blocks, self.block_size = merged, size

    def add(self, H, Y, positions=None, ordered=True, weights=None):
        """Add readout rows ``H`` (m, p) with targets ``Y`` (m, k) at ``positions`` (m,).

        ``H`` may be a list of column blocks. Rows whose target has a NaN are
        left out (no target at that step), and so are rows of zero weight
        (``weights``, (m,) non-negative, or None for weights of 1): a row of
        weight 0 is a row dropped. With folds, call :meth:`reserve`
        first with the positions that this chunk reaches. ``ordered=False``
        says that rows do not come one per position in position order (the
        per-step rows of a batch of sequences): they are summed at once,
        exact to rounding.
        """
        Y = np.asarray(Y)
        if Y.shape[0] == 0:
            return self
        blocks = list(H) if isinstance(H, (list, tuple)) else [H]
        missing = np.isnan(Y).any(axis=1)
        if weights is not None:
            weights = np.asarray(weights, dtype=np.float64)
            missing |= weights == 0
        if missing.any():
            keep = ~missing
            blocks, Y = [B[keep] for B in blocks], Y[keep]
            positions = None if positions is None else np.asarray(positions)[keep]
            weights = None if weights is None else weights[keep]
        if Y.shape[0] == 0:
            return self
        self._cache.clear()
        if self.folds:
            if positions is None:
                raise ValueError("readout sums with folds need the rows' positions")
            self._add_to_blocks(blocks, Y, weights, np.asarray(positions))
        if positions is None or not ordered:
            self._flush()
            self._folded.add(blocks, Y, weights)
        else:
            self._add_to_leaves(blocks, Y, weights, np.asarray(positions))
        return self

    def _add_to_leaves(self, blocks, Y, weights, positions):
        leaf = positions // self.leaf_size
        if np.any(np.diff(positions) <= 0) or (self._pending is not None
                                               and leaf[0] < self._pending[0]):
            # out of order (the per-step rows of a batch of sequences): exact to rounding
            self._flush()
            self._folded.add(blocks, Y, weights)
            return
        cuts = np.flatnonzero(np.diff(leaf)) + 1
        starts, stops = np.concatenate([[0], cuts]), np.concatenate([cuts, [leaf.size]])
        for i, (a, b) in enumerate(zip(starts, stops)):
            part = ([B[a:b] for B in blocks], Y[a:b],
                    None if weights is None else weights[a:b])
            # a leaf is complete once a later position arrives, or at its last position
            complete = i + 1 < starts.size or positions[b - 1] % self.leaf_size == \
                self.leaf_size - 1
            if self._pending is not None and self._pending[0] == leaf[a]:
                self._pending[1].append(_kept(part))
                if complete:
                    self._flush()
                continue
            self._flush()
            if complete:
                self._folded.add(*part)
            else:
                self._pending = (int(leaf[a]), [_kept(part)])

    def _pending_rows(self):
        pieces = self._pending[1]
        if len(pieces) == 1:
            return pieces[0]
        n_blocks = len(pieces[0][0])
        weighted = any(w is not None for _, _, w in pieces)
        return ([np.concatenate([blocks[j] for blocks, _, _ in pieces])
                 for j in range(n_blocks)],
                np.concatenate([Y for _, Y, _ in pieces]),
                np.concatenate([np.ones(Y.shape[0]) if w is None else w
                                for _, Y, w in pieces]) if weighted else None)

    def _flush(self):
        """Fold the pending rows into the sums (their leaf is complete, or order is lost)."""
        if self._pending is not None:
            self._folded.add(*self._pending_rows())
            self._pending = None
            self._cache.clear()

    def _add_to_blocks(self, blocks, Y, weights, positions):
        block = positions // self.block_size
        if block[0] == block[-1] and np.all(block == block[0]):
            self._block(block[0]).add(blocks, Y, weights)
        else:
            for b in np.unique(block):
                rows = block == b
                self._block(b).add([B[rows] for B in blocks], Y[rows],
                                   None if weights is None else weights[rows])

    def _block(self, b):
        b = int(b)
        if b not in self.blocks:
            self.blocks[b] = Moments(self.n_features, self.n_outputs)
        return self.blocks[b]

    def _merged(self, keys):
        out = Moments(self.n_features, self.n_outputs)
        for b in keys:
            out.merge(self.blocks[b])
        return out

    def merge(self, other):
        """Add the sums of ``other``: rows seen elsewhere (a Dask block), at their positions.

        Exact to rounding (Chan et al.'s update): the pending rows of both are
        folded in first.
        """
        if self.folds != other.folds:
            raise ValueError("cannot merge readout sums with and without per-block sums")
        other = other.copy()
        other._flush()
        self._flush()
        self._cache.clear()
        self._folded.merge(other._folded)
        self.n_positions = max(self.n_positions, other.n_positions)
        if self.folds:
            size = max(self.block_size, other.block_size)
            self._coarsen(size)
            other._coarsen(size)
            for b, m in other.blocks.items():
                if b in self.blocks:
                    self.blocks[b].merge(m)
                else:
                    self.blocks[b] = m
            self.reserve(self.n_positions)
        return self

    def fold_moments(self):
        """(held-out, training) moments of each of the ``N_FOLDS`` folds that have rows."""
        out = []
        for k in range(N_FOLDS):
            held = [b for b in sorted(self.blocks) if b % N_FOLDS == k]
            train = [b for b in sorted(self.blocks) if b % N_FOLDS != k]
            held_m, train_m = self._merged(held), self._merged(train)
            if held_m.n_rows and train_m.n_rows:
                out.append((held_m, train_m))
        return out


def _kept(part):
    """A copy of a leaf's rows ``(blocks, Y, weights)``, to wait in the pending buffer."""
    blocks, Y, w = part
    return [np.array(B) for B in blocks], np.array(Y), None if w is None else np.array(w)


# -- the solve -------------------------------------------------------------------------
