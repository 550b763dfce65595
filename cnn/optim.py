"""Optimizers: update a model's parameters in place from their gradients."""
import math

import numpy as np


def _check(name, value, low, high=math.inf, low_inclusive=True):
    ok = math.isfinite(value) and (value >= low if low_inclusive else value > low) and value < high
    if not ok:
        raise ValueError(f"invalid {name}: {value!r}")


def memory_view(a):
    """A flat view of ``a`` in memory order (no copy): elementwise updates can then be split into
    slices, whatever the axis order (a conv weight is stored channels-last)."""
    order = sorted(range(a.ndim), key=lambda axis: -a.strides[axis])
    flat = a.transpose(order)
    if not flat.flags.c_contiguous:
        raise ValueError(f"an optimizer needs parameters laid out contiguously, got strides {a.strides}")
    return flat.reshape(-1)


class Optimizer:
    """Base class. ``step()`` updates every parameter; ``begin_step()`` then ``update(i, part)``
    for every parameter ``i`` and slice ``part`` of it does the same, split any way (``DataParallel``
    gives each worker thread its share of every large parameter)."""

    def __init__(self, params, lr, weight_decay):
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        _check("learning rate", lr, 0.0, low_inclusive=False)
        _check("weight_decay", weight_decay, 0.0)
        self.lr, self.weight_decay = lr, weight_decay

    def zero_grad(self):
        for p in self.params:
            p.grad.fill(0)

    def step(self):
        self.begin_step()
        for i in range(len(self.params)):
            self.update(i)

    def begin_step(self):
        """What one step shares across its parameters (Adam's bias corrections)."""

    def update(self, i, part=slice(None)):
        """Update the slice ``part`` of parameter ``i``'s memory view (all of it by default)."""
        raise NotImplementedError

    def _views(self, i, part, *states):
        """The slice ``part`` of parameter ``i``, its gradient (plus L2 weight decay, coupled, as
        in PyTorch's SGD and Adam) and its entries in ``states``, as flat views."""
        p = self.params[i]
        data, grad = memory_view(p.data)[part], memory_view(p.grad)[part]
        if self.weight_decay:
            grad = grad + np.float32(self.weight_decay) * data
        return (data, grad, *(memory_view(state[i])[part] for state in states))


class SGD(Optimizer):
    """Stochastic gradient descent with optional (heavy-ball) momentum, as in ``torch.optim.SGD``."""

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(params, lr, weight_decay)
        _check("momentum", momentum, 0.0, 1.0)
        self.momentum = momentum
        self.velocity = [np.zeros_like(p.data) for p in self.params]

    def update(self, i, part=slice(None)):
        data, g, v = self._views(i, part, self.velocity)
        if self.momentum:
            v *= np.float32(self.momentum)
            v += g
            g = v
        data -= np.float32(self.lr) * g

    def __repr__(self):
        return f"SGD(lr={self.lr}, momentum={self.momentum}, weight_decay={self.weight_decay})"


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with bias correction, as in ``torch.optim.Adam``."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr, weight_decay)
        _check("beta1", betas[0], 0.0, 1.0)
        _check("beta2", betas[1], 0.0, 1.0)
        _check("eps", eps, 0.0)
        self.betas, self.eps, self.t = betas, eps, 0
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]
        self._scratch = [np.empty_like(p.data) for p in self.params]
        self._step_size = self._root_bc2 = None

    def begin_step(self):
        self.t += 1
        b1, b2 = self.betas
        self._step_size = np.float32(self.lr / (1 - b1 ** self.t))
        self._root_bc2 = np.float32(math.sqrt(1 - b2 ** self.t))

    def update(self, i, part=slice(None)):
        b1, b2 = self.betas
        data, g, m, v, tmp = self._views(i, part, self.m, self.v, self._scratch)
        # In place, through one scratch array: no temporaries on a ~1 ms step.
        m *= np.float32(b1)
        m += np.multiply(g, np.float32(1 - b1), out=tmp)
        v *= np.float32(b2)
        np.multiply(g, g, out=tmp)
        tmp *= np.float32(1 - b2)
        v += tmp
        np.sqrt(v, out=tmp)
        tmp /= self._root_bc2
        tmp += np.float32(self.eps)
        np.divide(m, tmp, out=tmp)
        tmp *= self._step_size
        data -= tmp

    def __repr__(self):
        return f"Adam(lr={self.lr}, betas={self.betas}, eps={self.eps}, weight_decay={self.weight_decay})"


def cosine_schedule(base_lr, epochs, warmup=0.0):
    """``lr(progress)`` falling from ``base_lr`` to 0 along half a cosine over ``epochs``.

    ``progress`` is in epochs (a float), as ``fit(lr_schedule=...)`` passes it: a smooth decay
    lets the last steps settle into a minimum instead of bouncing around it. Over the first
    ``warmup`` epochs the rate climbs from 5% to the full curve: Adam's first steps at full rate
    throw a fresh network's loss from 2.3 up to ~14 before it recovers (measured on MNIST).
    """
    def lr(progress):
        ramp = min(1.0, 0.05 + 0.95 * progress / warmup) if warmup > 0 else 1.0
        return ramp * base_lr * 0.5 * (1 + math.cos(math.pi * min(progress / epochs, 1.0)))
    return lr


DEFAULT_LR = {"adam": 2e-3, "sgd": 0.05}  # with batch 64 and the cosine schedule


def make_optimizer(name, params, lr=None):
    """``"adam"`` or ``"sgd"`` (momentum 0.9, any case) at ``lr`` or its default learning rate."""
    key = name.lower()
    if key not in DEFAULT_LR:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {sorted(DEFAULT_LR)}")
    lr = DEFAULT_LR[key] if lr is None else lr
    return Adam(params, lr=lr) if key == "adam" else SGD(params, lr=lr, momentum=0.9)
