"""Plain NumPy real-time recurrent learning of Elman and Jordan networks, step by step."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ._reference import HIDDEN, OUTPUT


def _derivative(name, a):
    """f'(z) written in a = f(z)."""
    return {"tanh": 1 - a * a, "logistic": a * (1 - a), "relu": (a > 0).astype(float),
            "identity": np.ones_like(a)}[name]


def _output_jacobian(name, y):
    """dy/do as a matrix J[k, i] = dy_k / do_i."""
    if name == "identity":
        return np.eye(y.shape[0])
    if name == "logistic":
        return np.diag(y * (1 - y))
    return np.diag(y) - np.outer(y, y)


def dekf_groups(net):
    """Indices into the flat weights of each DEKF group: the weights into one unit."""
    n_in, n_h, n_o = net.n_inputs, net.n_hidden, net.n_outputs
    n_v = n_in + (n_o if net.is_jordan else n_h) + 1
    hidden = [np.arange(n_v) * n_h + j for j in range(n_h)]
    output = [n_v * n_h + np.arange(n_h + 1) * n_o + k for k in range(n_o)]
    return hidden + output


def rtrl_reference(net, theta, X, offsets, Y_targets, target_of, *, lr=0.0, batch=1,
                   optimizer="sgd", momentum=0.0, nesterov=False, beta_1=0.9, beta_2=0.999,
                   epsilon=1e-8, penalty=None, forced=None, initial_covariance=100.0,
                   process_noise=1e-4, weights=None):
    """Real-time recurrent learning in float64, written with Jacobians.

    The sensitivities are kept the textbook way, P[k, w] = d state_k / d w
    over the flat weight vector; the weights are updated after every
    ``batch`` targets by plain gradient steps with momentum or by Adam, on
    the mean gradient of the window (plus ``penalty * theta``, divided by
    the window's size), and the window left at the end is not applied.
    ``weights`` (one per target, positive) multiply each target's error;
    DEKF divides its measurement noise by them.

    Returns
    -------
    theta : ndarray
        The weights after the run.
    acc : ndarray
        The gradient summed over the unfinished window (with ``lr=0`` and a
        ``batch`` larger than the number of targets: the gradient of the
        summed loss).
    outputs : ndarray of shape (n_steps, n_outputs)
    """
    theta = np.array(theta, dtype=np.float64)
    n_w = theta.shape[0]
    penalty = np.zeros(n_w) if penalty is None else penalty
    n_in, n_h, n_o = net.n_inputs, net.n_hidden, net.n_outputs
    jordan = net.is_jordan
    n_r = n_o if jordan else n_h
    n_v = n_in + n_r + 1
    n_hid = n_v * n_h
    f, g = HIDDEN[net.activation], OUTPUT[net.output_activation]
    acc = np.zeros(n_w)
    m1, m2, t_adam, count = np.zeros(n_w), np.zeros(n_w), 0, 0
    groups = dekf_groups(net)
    covariances = [initial_covariance * np.eye(len(idx)) for idx in groups]
    outputs = np.empty((X.shape[0], n_o))
    for s in range(len(offsets) - 1):
        r = np.full(n_r, net.initial_context, dtype=np.float64)
        P = np.zeros((n_r, n_w))
        for row in range(offsets[s], offsets[s + 1]):
            W_hid = theta[:n_hid].reshape(n_v, n_h)
            W_o = theta[n_hid:].reshape(n_h + 1, n_o)
            W_r = W_hid[n_in:n_in + n_r]
            v = np.concatenate([X[row], r, [1.0]])
            h = f(v @ W_hid)
            # dz/dw: the weight (i, j) of W_hid moves z_j by v_i, and the
            # state moves z through W_r
            dz = W_r.T @ P
            dz[:, :n_hid] += np.kron(v, np.eye(n_h))
            dh = _derivative(net.activation, h)[:, None] * dz
            u = np.concatenate([h, [1.0]])
            y = g(u @ W_o)
            outputs[row] = y
            do = W_o[:n_h].T @ dh
            do[:, n_hid:] += np.kron(u, np.eye(n_o))
            w = 1.0 if weights is None or target_of[row] < 0 else weights[target_of[row]]
            if target_of[row] >= 0:
                e = w * (y - Y_targets[target_of[row]])
                acc += e @ do
                count += 1
            if optimizer == "dekf" and target_of[row] >= 0:
                # Puskorius and Feldkamp's decoupled extended Kalman filter
                H = (_output_jacobian(net.output_activation, y) @ do).T   # (n_w, n_o)
                A = np.linalg.inv(np.eye(n_o) / (lr * w) + sum(
                    H[idx].T @ P_g @ H[idx] for idx, P_g in zip(groups, covariances)))
                innovation = Y_targets[target_of[row]] - y
                update = np.zeros(n_w)
                for idx, P_g in zip(groups, covariances):
                    K = P_g @ H[idx] @ A
                    update[idx] = K @ innovation
                    P_g -= K @ H[idx].T @ P_g
                    P_g += process_noise * np.eye(len(idx))
                theta_next = theta + update
            if jordan:
                if forced is None:
                    P = net.context_decay * P + _output_jacobian(net.output_activation, y) @ do
                    r = net.context_decay * r + y
                else:
                    P = net.context_decay * P
                    r = net.context_decay * r + forced[row]
            else:
                P, r = dh, h
            if optimizer == "dekf":
                if target_of[row] >= 0:
                    theta = theta_next
                acc[:] = 0
                count = 0
                continue
            if target_of[row] >= 0 and count >= batch:
                grad = (acc + penalty * theta) / count
                if optimizer == "sgd":
                    m1 = momentum * m1 - lr * grad
                    theta = theta + (momentum * m1 - lr * grad if nesterov else m1)
                else:
                    t_adam += 1
                    m1 = beta_1 * m1 + (1 - beta_1) * grad
                    m2 = beta_2 * m2 + (1 - beta_2) * grad * grad
                    lr_t = lr * np.sqrt(1 - beta_2**t_adam) / (1 - beta_1**t_adam)
                    theta = theta - lr_t * m1 / (np.sqrt(m2) + epsilon)
                acc[:] = 0
                count = 0
    return theta, acc, outputs
