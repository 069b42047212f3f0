"""Real-time recurrent learning of simple recurrent networks (Elman and Jordan).

Williams and Zipser's algorithm carries, forward in time, the sensitivity of
the network's state to every weight, so that the exact gradient of the error
at step t through the whole past is available at step t, in memory that does
not grow with the length of the stream. The weights are updated inside the
time loop (every ``batch`` targets), with gradient descent with momentum or
Adam, so the whole stream of a call runs in one compiled loop.

The weights are one flat vector in the estimators' order: input weights,
recurrent (Elman) or context (Jordan) weights, hidden bias, output weights,
output bias. The first three stack into one (n_v, n_hidden) matrix
``W_hid`` applied to ``v_t = [x_t, r_t, 1]`` (r_t the previous hidden state
or the context), the last two into one (n_hidden + 1, n_outputs) matrix
``W_o`` applied to ``u_t = [h_t, 1]``.

Sensitivities are stored transposed, one row per weight: ``S[m, k]`` is the
derivative of state unit k with respect to weight m, so that carrying them
one step is a single row-major product ``S @ W_rec``.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
from cython cimport floating
from libc.math cimport isfinite, log, sqrt, pow
from libc.stdlib cimport free
from libc.string cimport memcpy, memset

from ._activations cimport IDENTITY, LOGISTIC, SOFTMAX, activate, scale_by_derivative
from ._alloc cimport check_taken, take
from ._blas cimport gemm_rm
from ._lockstep cimport intp_t

# optimizer codes; keep in sync with skrnn._rtrl.OPTIMIZER_CODES
cdef enum:
    SGD = 0
    ADAM = 1
    DEKF = 2


cdef struct Optim:
    int code
    double lr
    double momentum
    bint nesterov
    double beta_1
    double beta_2
    double epsilon
    double max_norm
    double process_noise


cdef bint _update(floating* theta, floating* acc, const floating* penalty, Py_ssize_t n,
                  Py_ssize_t count, Optim* opt, floating* m1, floating* m2,
                  long long* adam_t) noexcept nogil:
    """One step of the optimizer on the mean gradient of ``count`` targets.

    The gradient is (acc + penalty * theta) / count, the gradient of the mean
    loss of the window plus the L2 penalty alpha / (2 count) ||W||^2, as a
    mini-batch of ``count`` targets would give it. Returns False (and
    changes nothing) if the gradient is not finite.
    """
    cdef Py_ssize_t i
    cdef double norm = 0, scale = 1.0 / count, lr_t, g
    for i in range(n):
        acc[i] = (acc[i] + penalty[i] * theta[i]) * scale
        norm += acc[i] * acc[i]
    if not isfinite(norm):
        return False
    norm = sqrt(norm)
    if opt.max_norm > 0 and norm > opt.max_norm:
        scale = opt.max_norm / norm
        for i in range(n):
            acc[i] = acc[i] * scale
    if opt.code == SGD:
        for i in range(n):
            m1[i] = opt.momentum * m1[i] - opt.lr * acc[i]
            if opt.nesterov:
                theta[i] = theta[i] + opt.momentum * m1[i] - opt.lr * acc[i]
            else:
                theta[i] = theta[i] + m1[i]
    else:
        adam_t[0] += 1
        lr_t = (opt.lr * sqrt(1 - pow(opt.beta_2, <double> adam_t[0]))
                / (1 - pow(opt.beta_1, <double> adam_t[0])))
        for i in range(n):
            g = acc[i]
            m1[i] = opt.beta_1 * m1[i] + (1 - opt.beta_1) * g
            m2[i] = opt.beta_2 * m2[i] + (1 - opt.beta_2) * g * g
            theta[i] = theta[i] - lr_t * m1[i] / (sqrt(m2[i]) + opt.epsilon)
    memset(acc, 0, n * sizeof(floating))
    return True


cdef inline Py_ssize_t _group(Py_ssize_t g, Py_ssize_t i, Py_ssize_t n_h, Py_ssize_t n_o,
                              Py_ssize_t n_hid) noexcept nogil:
    """Row in the flat weights of the i-th weight of DEKF group g.

    Groups 0..n_h-1 are the hidden units (the column g of W_hid), groups
    n_h.. the output units (the column of W_o).
    """
    if g < n_h:
        return i * n_h + g
    return n_hid + i * n_o + (g - n_h)


cdef bint _dekf_update(floating* theta, const floating* Jy, const floating* err,
                       floating* P, Py_ssize_t n_v, Py_ssize_t n_h, Py_ssize_t n_o,
                       double inv_rate, double q, floating* HP, floating* M,
                       floating* A) noexcept nogil:
    """One decoupled extended Kalman filter step (Puskorius and Feldkamp, 1994).

    Per group g of weights (the weights into one unit), with H_g = dy/dw_g
    (n_g, n_o) and its error covariance P_g::

        A = ((1 / rate) I + sum_g H_g^T P_g H_g)^-1
        K_g = P_g H_g A,  w_g += K_g (y* - y),  P_g -= K_g H_g^T P_g - q I

    ``HP`` holds H_g^T P_g of every group, (n_o, n_g) each, one after the
    other. Returns False (and changes nothing) if A cannot be formed.
    """
    cdef Py_ssize_t n_hid = n_v * n_h
    cdef Py_ssize_t g, i, j, a, b, n_g, off_p, off_h
    cdef floating acc_v, piv, f
    for a in range(n_o * n_o):
        M[a] = 0
        A[a] = 0
    for a in range(n_o):
        M[a * n_o + a] = inv_rate
        A[a * n_o + a] = 1
    off_p = 0
    off_h = 0
    for g in range(n_h + n_o):
        n_g = n_v if g < n_h else n_h + 1
        for a in range(n_o):
            for i in range(n_g):
                acc_v = 0
                for j in range(n_g):
                    acc_v += Jy[_group(g, j, n_h, n_o, n_hid) * n_o + a] * P[off_p + j * n_g + i]
                HP[off_h + a * n_g + i] = acc_v
        for a in range(n_o):
            for b in range(n_o):
                acc_v = 0
                for i in range(n_g):
                    acc_v += HP[off_h + a * n_g + i] * Jy[_group(g, i, n_h, n_o, n_hid) * n_o + b]
                M[a * n_o + b] += acc_v
        off_p += n_g * n_g
        off_h += n_g * n_o
    # A = M^-1 by Gauss-Jordan (M is symmetric positive definite and small)
    for a in range(n_o):
        piv = M[a * n_o + a]
        if not (piv > 0 and isfinite(piv)):
            return False
        for b in range(n_o):
            M[a * n_o + b] /= piv
            A[a * n_o + b] /= piv
        for i in range(n_o):
            if i != a:
                f = M[i * n_o + a]
                for b in range(n_o):
                    M[i * n_o + b] -= f * M[a * n_o + b]
                    A[i * n_o + b] -= f * A[a * n_o + b]
    off_p = 0
    off_h = 0
    for g in range(n_h + n_o):
        n_g = n_v if g < n_h else n_h + 1
        for i in range(n_g):
            # K[i, :] = HP[:, i]^T A, then the weight moves by K[i, :] @ err
            for a in range(n_o):
                acc_v = 0
                for b in range(n_o):
                    acc_v += HP[off_h + b * n_g + i] * A[b * n_o + a]
                M[a] = acc_v  # M is free again: one row of K
            acc_v = 0
            for a in range(n_o):
                acc_v += M[a] * err[a]
            theta[_group(g, i, n_h, n_o, n_hid)] += acc_v
            for j in range(n_g):
                acc_v = 0
                for a in range(n_o):
                    acc_v += M[a] * HP[off_h + a * n_g + j]
                P[off_p + i * n_g + j] -= acc_v
            P[off_p + i * n_g + i] += q
        off_p += n_g * n_g
        off_h += n_g * n_o
    return True


cdef inline void _add_direct(floating* D, const floating* v, Py_ssize_t n_rows,
                             Py_ssize_t n_cols) noexcept nogil:
    """D[(i, j), j] += v[i]: the direct effect of weight (i, j) on unit j.

    ``D`` holds one row per weight of an (n_rows, n_cols) weight matrix,
    one column per unit.
    """
    cdef Py_ssize_t i, j
    for i in range(n_rows):
        for j in range(n_cols):
            D[(i * n_cols + j) * n_cols + j] += v[i]


cdef inline void _scale_columns(floating* D, const floating* d, Py_ssize_t n_rows,
                                Py_ssize_t n_cols) noexcept nogil:
    cdef Py_ssize_t m, k
    for m in range(n_rows):
        for k in range(n_cols):
            D[m * n_cols + k] *= d[k]


cdef inline void _add_outer(floating* G, const floating* a, const floating* b,
                            Py_ssize_t n_a, Py_ssize_t n_b) noexcept nogil:
    """G (n_a, n_b) += outer(a, b)."""
    cdef Py_ssize_t i, j
    for i in range(n_a):
        for j in range(n_b):
            G[i * n_b + j] += a[i] * b[j]


cdef int _run(const floating[:, ::1] X,
              const intp_t[::1] offsets,
              const intp_t[::1] order,
              const floating[::1] initial,
              floating[::1] state,
              floating[:, ::1] S,
              const floating[:, ::1] T,
              const intp_t[::1] target_of,
              const double[::1] weights,
              const floating[:, ::1] forced,
              floating[::1] theta,
              const floating[::1] penalty,
              Py_ssize_t n_in, Py_ssize_t n_h, Py_ssize_t n_o,
              bint jordan, floating mu, int activation, int out_activation,
              Optim* opt, Py_ssize_t batch, bint flush,
              floating[::1] m1, floating[::1] m2, long long* counters,
              floating[::1] acc, floating[:, ::1] Y, double* loss_sum,
              size_t* failed) noexcept nogil:
    """:func:`rtrl_run` without the Python objects; returns -1, or the step it diverged at.

    All scratch is taken before anything is written; if any of it cannot be
    had, ``failed`` gets the bytes asked for and nothing runs (-2).
    """
    cdef Py_ssize_t n_r = n_o if jordan else n_h
    cdef Py_ssize_t n_v = n_in + n_r + 1
    cdef Py_ssize_t n_hid = n_v * n_h  # weights of the hidden layer (with its bias)
    cdef Py_ssize_t n_theta = theta.shape[0]
    cdef Py_ssize_t n_sens = S.shape[0]  # rows of S: n_hid (Elman) or n_theta (Jordan)
    cdef Py_ssize_t n_state = state.shape[0]
    cdef Py_ssize_t s, t, row, start, stop, i, j, k, tgt, seq
    cdef floating* W_hid = &theta[0]
    cdef floating* W_out = &theta[n_hid]
    cdef floating* b_out = &theta[n_hid + n_h * n_o]
    cdef floating* W_r = &theta[n_in * n_h]
    cdef floating* v = <floating*> take(n_v, sizeof(floating), failed)
    cdef floating* h = <floating*> take(n_h, sizeof(floating), failed)
    cdef floating* dh = <floating*> take(n_h, sizeof(floating), failed)
    cdef floating* o = <floating*> take(n_o, sizeof(floating), failed)
    cdef floating* e_o = <floating*> take(n_o, sizeof(floating), failed)
    cdef floating* e_h = <floating*> take(n_h, sizeof(floating), failed)
    cdef floating* J = <floating*> take(n_o * n_o, sizeof(floating), failed)
    # Elman: the new sensitivities of h. Jordan: those of h, of the output
    # pre-activations, and of the outputs y.
    cdef floating* Dh = <floating*> take(n_sens * n_h, sizeof(floating), failed)
    cdef Py_ssize_t n_jordan = (n_sens * n_o) if jordan else 1
    cdef floating* Do = <floating*> take(n_jordan, sizeof(floating), failed)
    cdef floating* Dy = <floating*> take(n_jordan, sizeof(floating), failed)
    cdef bint dekf = opt.code == DEKF
    # DEKF: dy/dw of every weight (Elman's own buffers; Jordan's is Dy), H_g^T P_g
    # of every group, and the small matrices of the filter
    cdef Py_ssize_t n_dekf = (n_theta * n_o) if dekf and not jordan else 1
    cdef floating* Jy = <floating*> take(n_dekf, sizeof(floating), failed)
    cdef floating* Jtmp = <floating*> take(n_dekf, sizeof(floating), failed)
    cdef floating* HP = <floating*> take((n_theta * n_o) if dekf else 1, sizeof(floating), failed)
    cdef floating* Mb = <floating*> take(n_o * n_o, sizeof(floating), failed)
    cdef floating* Ab = <floating*> take(n_o * n_o, sizeof(floating), failed)
    cdef floating* Jp = NULL
    cdef floating* swap
    cdef floating* Sp = &S[0, 0]
    cdef floating* Sbuf = Sp
    cdef floating y_k, p, diff, eps, w_t = 1
    cdef bint weighted = weights.shape[0] > 0
    cdef int diverged = -1
    cdef bint forcing = forced.shape[0] > 0
    cdef bint keep_y = Y.shape[0] > 0
    if failed[0]:
        diverged = -2
    eps = 2.220446049250313e-16 if floating is double else 1.1920929e-07
    for seq in range(order.shape[0] if diverged == -1 else 0):
        s = order[seq]
        start, stop = offsets[s], offsets[s + 1]
        if seq > 0 or counters[2] == 0:
            # a new sequence: the initial state, and no sensitivity to any weight
            memcpy(&state[0], &initial[0], n_state * sizeof(floating))
            memset(Sp, 0, n_sens * n_state * sizeof(floating))
        counters[2] = 0
        for row in range(start, stop):
            # ---- forward: v = [x_t, r_t, 1], h = f(v @ W_hid) ----
            for i in range(n_in):
                v[i] = X[row, i]
            for i in range(n_r):
                v[n_in + i] = state[i]
            v[n_v - 1] = 1
            memset(h, 0, n_h * sizeof(floating))
            gemm_rm(False, 1, n_h, n_v, <floating> 1, v, n_v, W_hid, n_h, <floating> 0, h, n_h)
            activate(activation, h, 1, n_h)
            for k in range(n_h):
                dh[k] = 1
            scale_by_derivative(activation, dh, h, n_h)
            # ---- sensitivities of h: Dh = f'(z) * (S @ W_r + direct) ----
            if jordan:
                gemm_rm(False, n_sens, n_h, n_o, <floating> 1, Sp, n_o, W_r, n_h,
                        <floating> 0, Dh, n_h)
            else:
                gemm_rm(False, n_sens, n_h, n_h, <floating> 1, Sp, n_h, W_r, n_h,
                        <floating> 0, Dh, n_h)
            _add_direct(Dh, v, n_v, n_h)
            _scale_columns(Dh, dh, n_sens, n_h)
            # ---- output ----
            memcpy(o, b_out, n_o * sizeof(floating))
            gemm_rm(False, 1, n_o, n_h, <floating> 1, h, n_h, W_out, n_o, <floating> 1, o, n_o)
            activate(out_activation, o, 1, n_o)
            if keep_y:
                for k in range(n_o):
                    Y[row, k] = o[k]
            tgt = target_of[row]
            if tgt >= 0:
                if weighted:
                    w_t = <floating> weights[tgt]
                # dL/d(output pre-activation) = y - target for both canonical
                # links, times the target's weight (as is its loss)
                for k in range(n_o):
                    e_o[k] = o[k] - T[tgt, k]
                    if out_activation == IDENTITY:
                        loss_sum[0] += w_t * 0.5 * e_o[k] * e_o[k]
                    elif n_o == 1:
                        p = min(max(o[k], eps), 1 - eps)
                        loss_sum[0] -= w_t * (T[tgt, k] * log(p)
                                              + (1 - T[tgt, k]) * log(1 - p))
                    else:
                        p = min(max(o[k], eps), 1 - eps)
                        loss_sum[0] -= w_t * T[tgt, k] * log(p)
                    e_o[k] = w_t * e_o[k]
            if jordan:
                # Do = Dh @ W_out + direct; the gradient is Do @ e_o
                gemm_rm(False, n_sens, n_o, n_h, <floating> 1, Dh, n_h, W_out, n_o,
                        <floating> 0, Do, n_o)
                _add_direct(&Do[n_hid * n_o], h, n_h, n_o)
                for k in range(n_o):
                    Do[(n_hid + n_h * n_o + k) * n_o + k] += 1
                if tgt >= 0 and not dekf:
                    gemm_rm(False, n_theta, 1, n_o, <floating> 1, Do, n_o, e_o, 1,
                            <floating> 1, &acc[0], 1)
                # Dy = Do @ g'(o) (a full Jacobian for softmax)
                if out_activation == IDENTITY:
                    swap = Dy
                    Dy = Do
                    Do = swap
                elif out_activation == LOGISTIC:
                    memcpy(Dy, Do, n_sens * n_o * sizeof(floating))
                    for i in range(n_sens):
                        for k in range(n_o):
                            Dy[i * n_o + k] *= o[k] * (1 - o[k])
                else:
                    for i in range(n_o):
                        for k in range(n_o):
                            J[i * n_o + k] = o[i] * ((1 if i == k else 0) - o[k])
                    gemm_rm(False, n_sens, n_o, n_o, <floating> 1, Do, n_o, J, n_o,
                            <floating> 0, Dy, n_o)
                Jp = Dy  # dy/dw, what DEKF needs
                # c_{t+1} = mu c_t + y_t (or the forced target, which no weight moves)
                for i in range(n_sens):
                    for k in range(n_o):
                        if forcing:
                            Sp[i * n_o + k] = mu * Sp[i * n_o + k]
                        else:
                            Sp[i * n_o + k] = mu * Sp[i * n_o + k] + Dy[i * n_o + k]
                for k in range(n_o):
                    state[k] = mu * state[k] + (forced[row, k] if forcing else o[k])
            else:
                if tgt >= 0 and dekf:
                    # dy/dw: Dh @ W_out for the hidden layer, [h, 1] directly
                    # for the output layer, then through the output link
                    gemm_rm(False, n_hid, n_o, n_h, <floating> 1, Dh, n_h, W_out, n_o,
                            <floating> 0, Jy, n_o)
                    memset(&Jy[n_hid * n_o], 0, (n_theta - n_hid) * n_o * sizeof(floating))
                    _add_direct(&Jy[n_hid * n_o], h, n_h, n_o)
                    for k in range(n_o):
                        Jy[(n_hid + n_h * n_o + k) * n_o + k] += 1
                    if out_activation == LOGISTIC:
                        for i in range(n_theta):
                            for k in range(n_o):
                                Jy[i * n_o + k] *= o[k] * (1 - o[k])
                    elif out_activation == SOFTMAX:
                        for i in range(n_o):
                            for k in range(n_o):
                                J[i * n_o + k] = o[i] * ((1 if i == k else 0) - o[k])
                        gemm_rm(False, n_theta, n_o, n_o, <floating> 1, Jy, n_o, J, n_o,
                                <floating> 0, Jtmp, n_o)
                        swap = Jy
                        Jy = Jtmp
                        Jtmp = swap
                    Jp = Jy
                elif tgt >= 0:
                    # the output layer directly; e_h = e_o @ W_out^T, and the
                    # gradient of the hidden layer is Dh @ e_h
                    _add_outer(&acc[n_hid], h, e_o, n_h, n_o)
                    for k in range(n_o):
                        acc[n_hid + n_h * n_o + k] += e_o[k]
                    gemm_rm(True, 1, n_h, n_o, <floating> 1, e_o, n_o, W_out, n_o,
                            <floating> 0, e_h, n_h)
                    gemm_rm(False, n_hid, 1, n_h, <floating> 1, Dh, n_h, e_h, 1,
                            <floating> 1, &acc[0], 1)
                swap = Sp
                Sp = Dh
                Dh = swap
                memcpy(&state[0], h, n_h * sizeof(floating))
            if tgt >= 0 and dekf:
                for k in range(n_o):
                    e_o[k] = T[tgt, k] - o[k]  # the innovation, target minus output
                # a weight divides the measurement noise 1 / rate
                if not _dekf_update(&theta[0], Jp, e_o, &m1[0], n_v, n_h, n_o,
                                    1.0 / (opt.lr * w_t), opt.process_noise, HP, Mb, Ab) \
                        or not isfinite(loss_sum[0]):
                    diverged = row
                    break
            elif tgt >= 0:
                counters[0] += 1
                if counters[0] >= batch:
                    if not _update(&theta[0], &acc[0], &penalty[0], n_theta, counters[0],
                                   opt, &m1[0], &m2[0], &counters[1]) or not isfinite(loss_sum[0]):
                        diverged = row
                        break
                    counters[0] = 0
        if diverged != -1:
            break
    if diverged == -1 and flush and counters[0] > 0 and not dekf:
        if not _update(&theta[0], &acc[0], &penalty[0], n_theta, counters[0],
                       opt, &m1[0], &m2[0], &counters[1]):
            diverged = X.shape[0]
        counters[0] = 0
    # the sensitivities end in S (Elman swaps its two buffers every step)
    if Sp != Sbuf:
        memcpy(Sbuf, Sp, n_sens * n_state * sizeof(floating))
        Dh = Sp
    free(v)
    free(h)
    free(dh)
    free(o)
    free(e_o)
    free(e_h)
    free(J)
    free(Dh)
    free(Do)
    free(Dy)
    free(Jy)
    free(Jtmp)
    free(HP)
    free(Mb)
    free(Ab)
    return diverged


def rtrl_run(const floating[:, ::1] X,
             const intp_t[::1] offsets,
             const intp_t[::1] order,
             const floating[::1] initial,
             floating[::1] state,
             floating[:, ::1] S,
             const floating[:, ::1] T,
             const intp_t[::1] target_of,
             const double[::1] weights,
             const floating[:, ::1] forced,
             floating[::1] theta,
             const floating[::1] penalty,
             Py_ssize_t n_inputs,
             Py_ssize_t n_hidden,
             Py_ssize_t n_outputs,
             bint jordan,
             double context_decay,
             int activation,
             int out_activation,
             int optimizer,
             double learning_rate,
             double momentum,
             bint nesterov,
             double beta_1,
             double beta_2,
             double epsilon,
             double max_grad_norm,
             double process_noise,
             Py_ssize_t batch,
             bint flush,
             floating[::1] m1,
             floating[::1] m2,
             long long[::1] counters,
             floating[::1] acc,
             floating[:, ::1] Y):
    """Train a simple recurrent network online by real-time recurrent learning.

    For each sequence of ``order`` in turn (the first one may continue the
    state and sensitivities given, the others start afresh), at every step::

        v_t = [x_t, r_t, 1],  h_t = f(v_t @ W_hid),  y_t = g([h_t, 1] @ W_o)

    with r_t = h_{t-1} (Elman) or the context c_t = mu c_{t-1} + y_{t-1}
    (Jordan), and the sensitivities of the state to every weight w are
    carried forward (Williams and Zipser, 1989)::

        Elman:  dh_t/dw = f'(z_t) * (dh_{t-1}/dw @ W_rec + [direct term of w])
        Jordan: dc_{t+1}/dw = mu dc_t/dw + g'(o_t) (dh_t/dw @ W_out + direct),
                dh_t/dw = f'(z_t) * (dc_t/dw @ W_ctx + direct)

    At a step with a target, the gradient of its loss (squared error with an
    identity output, log loss with a logistic or softmax one) with respect to
    every weight, through the whole past, is added to ``acc``; after every
    ``batch`` targets the weights take one optimizer step on the window's
    mean gradient (plus ``penalty * theta / batch``, the L2 penalty), clipped
    to the norm ``max_grad_norm`` when it is positive. The next step then
    runs with the new weights and the carried sensitivities (the real-time
    approximation of Williams and Zipser).

    Parameters
    ----------
    X : ndarray of shape (n_steps, n_inputs)
    offsets : ndarray of shape (n_sequences + 1,), intp
    order : ndarray of shape (n_run,), intp
        The sequences to run, in this order.
    initial : ndarray of shape (state_size,)
        The state every new sequence starts from.
    state : ndarray of shape (state_size,)
        In: the state to continue from if ``counters[2]``. Out: the state
        after the last step run. state_size is n_hidden (Elman) or
        n_outputs (Jordan).
    S : ndarray of shape (n_sens, state_size)
        Sensitivities of the state, one row per weight: of the hidden layer's
        n_sens = (n_inputs + n_hidden + 1) * n_hidden weights (Elman), or of
        every weight (Jordan). In and out as ``state``.
    T : ndarray of shape (n_targets, n_outputs)
    target_of : ndarray of shape (n_steps,), intp
        The row of ``T`` that is step t's target, or -1 for none.
    weights : ndarray of shape (n_targets,) or (0,), float64
        Positive weight of each target (none: every target weighs 1). It
        multiplies the target's loss and its error, hence its gradient; the
        update still averages over the window's number of targets. DEKF
        divides its measurement noise (``1 / learning_rate``) by it.
    forced : ndarray of shape (n_steps, n_outputs) or (0, n_outputs)
        Jordan's teacher forcing: the values fed to the context.
    theta : ndarray of shape (n_weights,)
        The weights, updated in place.
    penalty : ndarray of shape (n_weights,)
        L2 penalty alpha of each weight (0 for the biases).
    n_inputs, n_hidden, n_outputs : int
    jordan : bool
    context_decay : float
    activation, out_activation : int
        Codes of f and g (skrnn._activations).
    optimizer : int
        0: gradient descent with momentum; 1: Adam; 2: the decoupled
        extended Kalman filter (Puskorius and Feldkamp, 1994), one update
        per target whatever ``batch``: ``learning_rate`` is its rate (the
        inverse of the measurement noise), ``m1`` holds the error covariance
        of each group of weights (the weights into one hidden or output
        unit: n_hidden blocks of (n_inputs + state_size + 1)^2, then
        n_outputs blocks of (n_hidden + 1)^2), ``process_noise`` is added to
        their diagonals after every update.
    learning_rate, momentum, nesterov, beta_1, beta_2, epsilon : optimizer settings
    max_grad_norm : float
        Clipping norm of each update's gradient; 0 for none.
    process_noise : float
        DEKF's process noise q (unused by the other optimizers).
    batch : int
        Targets per update.
    flush : bool
        Update on the targets of an unfinished window at the end.
    m1, m2 : ndarray of shape (n_weights,)
        Velocity (SGD), or Adam's first and second moments; in and out.
    counters : ndarray of shape (3,), int64
        In and out: targets in the current window, Adam's step count, and
        whether to continue the first sequence from ``state`` and ``S``.
    acc : ndarray of shape (n_weights,)
        In and out: the gradient summed over the current window.
    Y : ndarray of shape (n_steps, n_outputs) or (0, n_outputs)
        Out: each step's output, computed before its own update.

    Returns
    -------
    loss_sum : float
        Sum of the losses of the targets seen, each before its update.
    diverged : int
        -1, or the step at which the gradient stopped being finite; the
        weights are then those of the last finite update.
    """
    cdef Optim opt
    cdef size_t failed = 0
    cdef double loss_sum = 0
    cdef int diverged
    cdef floating mu = <floating> context_decay
    opt.code = optimizer
    opt.lr = learning_rate
    opt.momentum = momentum
    opt.nesterov = nesterov
    opt.beta_1 = beta_1
    opt.beta_2 = beta_2
    opt.epsilon = epsilon
    opt.max_norm = max_grad_norm
    opt.process_noise = process_noise
    with nogil:
        diverged = _run(X, offsets, order, initial, state, S, T, target_of, weights, forced,
                        theta, penalty, n_inputs, n_hidden, n_outputs, jordan, mu, activation,
                        out_activation, &opt, batch, flush, m1, m2, &counters[0], acc, Y,
                        &loss_sum, &failed)
    check_taken(failed, "rtrl_run")
    return loss_sum, diverged
