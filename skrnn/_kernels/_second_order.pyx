"""Forward pass and backpropagation through time of second-order recurrent networks.

Pollack's sequential cascaded network: the state's weights are themselves
a linear function of the previous state, so every step multiplies inputs
by states::

    z_t[j] = sum over i, k of x~_t[i] s~_{t-1}[k] W[i (n_state + 1) + k, j]
    s_t = f(z_t)

with x~ = [x, 1] and s~ = [s, 1] (the ones carry the biases). The inputs of
the sequence tasks these networks serve are often one-hot, so a zero input
skips its whole block of W. Each sequence runs on its own (its products are
a few hundred multiply-adds a step: no BLAS call would pay for itself).
Sequences never interact, so a batch can be cut into blocks of sequences
(``order`` lists the block's) that run in parallel threads.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
from cython cimport floating
from libc.stdlib cimport free
from libc.string cimport memcpy, memset

from ._activations cimport activate, scale_by_derivative
from ._alloc cimport check_taken, take
from ._lockstep cimport intp_t


def second_order_forward(const floating[:, ::1] X,
                         const floating[:, ::1] W,
                         const intp_t[::1] offsets,
                         const intp_t[::1] order,
                         floating[:, ::1] s_state,
                         int activation,
                         floating[:, ::1] S):
    """Run the second-order recurrence over every sequence.

    Parameters
    ----------
    X : ndarray of shape (n_steps, n_inputs)
        Inputs of all sequences, stacked.
    W : ndarray of shape ((n_inputs + 1) * (n_state + 1), n_state)
        Second-order weights, row i * (n_state + 1) + k for input i and
        state unit k (the last of each: the constant 1).
    offsets : ndarray of shape (n_sequences + 1,), intp
        Sequence s occupies rows offsets[s]:offsets[s + 1].
    order : ndarray of shape (n_block,), intp
        The sequences to run (the other rows of the outputs are left alone).
    s_state : ndarray of shape (n_sequences, n_state)
        In: s_{-1} of every sequence. Out: its last state.
    activation : int
        Code of f (skrnn._activations).
    S : ndarray of shape (n_steps, n_state)
        Out: s_t.
    """
    cdef Py_ssize_t n_in = X.shape[1], n_state = S.shape[1]
    cdef Py_ssize_t n_seq = order.shape[0]
    cdef Py_ssize_t b, q, row, i, k, j
    cdef floating* sp
    cdef floating* z
    cdef const floating* w
    cdef floating xi, a
    cdef size_t failed = 0
    with nogil:
        sp = <floating*> take(n_state + 1, sizeof(floating), &failed)
        if not failed:
            for b in range(n_seq):
                q = order[b]
                memcpy(sp, &s_state[q, 0], n_state * sizeof(floating))
                sp[n_state] = 1
                for row in range(offsets[q], offsets[q + 1]):
                    z = &S[row, 0]
                    memset(z, 0, n_state * sizeof(floating))
                    for i in range(n_in + 1):
                        xi = X[row, i] if i < n_in else 1
                        if xi == 0:
                            continue
                        for k in range(n_state + 1):
                            a = xi * sp[k]
                            w = &W[i * (n_state + 1) + k, 0]
                            for j in range(n_state):
                                z[j] += a * w[j]
                    activate(activation, z, 1, n_state)
                    memcpy(sp, z, n_state * sizeof(floating))
                memcpy(&s_state[q, 0], sp, n_state * sizeof(floating))
            free(sp)
    check_taken(failed, "second_order_forward")


def second_order_bptt(const floating[:, ::1] X,
                      const floating[:, ::1] S,
                      const floating[:, ::1] dS,
                      const floating[:, ::1] W,
                      const intp_t[::1] offsets,
                      const intp_t[::1] order,
                      int activation,
                      Py_ssize_t bptt_steps,
                      floating[:, ::1] dZ):
    """Backpropagate through time the recurrence of :func:`second_order_forward`.

    Going backwards over each sequence::

        dz_t = (dS_t + ds_t) * f'(z_t)
        ds_{t-1}[k] = sum over i, j of x~_t[i] W[i (n_state + 1) + k, j] dz_t[j]

    With ``bptt_steps = m > 0`` no gradient crosses from step t + 1 to step t
    when t + 1 is a multiple of m (counted from each sequence's first step).

    Parameters
    ----------
    X, W, offsets, order, activation
        As in :func:`second_order_forward`.
    S : ndarray of shape (n_steps, n_state)
        States s_t from the forward pass.
    dS : ndarray of shape (n_steps, n_state)
        Gradient of the loss with respect to s_t through the outputs alone.
    bptt_steps : int
        Truncation length; 0 for full backpropagation through time.
    dZ : ndarray of shape (n_steps, n_state)
        Out: gradient with respect to the pre-activations z_t.
    """
    cdef Py_ssize_t n_in = X.shape[1], n_state = S.shape[1]
    cdef Py_ssize_t n_seq = order.shape[0]
    cdef Py_ssize_t b, q, row, t, i, k, j
    cdef floating* carry
    cdef floating* d
    cdef const floating* w
    cdef floating xi, acc
    cdef size_t failed = 0
    with nogil:
        carry = <floating*> take(n_state + 1, sizeof(floating), &failed)
        if not failed:
            for b in range(n_seq):
                q = order[b]
                memset(carry, 0, n_state * sizeof(floating))
                for row in range(offsets[q + 1] - 1, offsets[q] - 1, -1):
                    t = row - offsets[q]
                    d = &dZ[row, 0]
                    if bptt_steps > 0 and (t + 1) % bptt_steps == 0:
                        memset(carry, 0, n_state * sizeof(floating))
                    for j in range(n_state):
                        d[j] = dS[row, j] + carry[j]
                    scale_by_derivative(activation, d, &S[row, 0], n_state)
                    for k in range(n_state):
                        acc = 0
                        for i in range(n_in + 1):
                            xi = X[row, i] if i < n_in else 1
                            if xi == 0:
                                continue
                            w = &W[i * (n_state + 1) + k, 0]
                            for j in range(n_state):
                                acc = acc + xi * w[j] * d[j]
                        carry[k] = acc
            free(carry)
    check_taken(failed, "second_order_bptt")
