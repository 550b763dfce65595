"""Weight initialisation, always drawn from a passed-in ``numpy.random.Generator``."""
import numpy as np


def kaiming_normal(shape, fan_in, rng):
    """He et al. 2015: keeps activation variance steady through ReLU layers (std = sqrt(2 / fan_in))."""
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def xavier_uniform(shape, fan_in, fan_out, rng):
    """Glorot & Bengio 2010: for layers not followed by ReLU (limit = sqrt(6 / (fan_in + fan_out)))."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape).astype(np.float32)


def init_weight(shape, fan_in, fan_out, rng, init):
    if init == "kaiming":
        return kaiming_normal(shape, fan_in, rng)
    if init == "xavier":
        return xavier_uniform(shape, fan_in, fan_out, rng)
    raise ValueError(f"unknown init {init!r}; expected 'kaiming' or 'xavier'")
