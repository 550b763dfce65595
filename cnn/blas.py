"""BLAS threading: our threads split the batch, so each BLAS call should use one thread."""
import contextlib
import functools

from threadpoolctl import ThreadpoolController


@functools.lru_cache(maxsize=1)
def _controller():
    return ThreadpoolController()  # scans the loaded libraries once; doing it per call costs ms


@contextlib.contextmanager
def single_threaded_blas():
    """Within this block BLAS runs on the calling thread only (restored afterwards)."""
    with _controller().limit(limits=1, user_api="blas"):
        yield
