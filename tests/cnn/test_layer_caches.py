"""What ``to`` and ``replicate`` drop: exactly the caches a layer names, nothing else."""
import numpy as np
import pytest

from cnn import Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU


def layers():
    rng = np.random.default_rng(0)
    return [(Conv2D(2, 3, 3, padding=1, rng=rng), (2, 2, 6, 6)), (MaxPool2D(2), (2, 3, 6, 6)),
            (ReLU(), (2, 3, 4, 4)), (Flatten(), (2, 3, 4, 4)), (Dense(12, 5, rng=rng), (2, 12)),
            (Dropout(0.5, rng=rng), (2, 5))]


@pytest.mark.parametrize("layer, shape", layers(), ids=lambda v: type(v).__name__ if not isinstance(v, tuple) else "")
def test_every_private_attribute_a_pass_leaves_is_a_named_cache(layer, shape):
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    out = layer.forward(x)
    layer.backward(np.ones_like(out))
    private = {name for name in vars(layer) if name.startswith("_")}
    assert private <= set(layer.caches)  # a new buffer must be named, or to() would keep it
    layer.note_ = "kept"
    layer._setting = "kept"  # a private setting that is not a cache survives
    twin = layer.replicate()
    layer.to(np.float64)
    for one in (layer, twin):
        assert all(getattr(one, name) is None for name in layer.caches)
        assert one._setting == "kept"
