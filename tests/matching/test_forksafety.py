"""Inference and fork in the wrong order fail at once, with a reason, instead of hanging."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from kechuang.cli import serve
from kechuang.matching import forksafety


@pytest.fixture
def clean_state() -> Iterator[None]:
    saved = forksafety._inference_pid, forksafety._forked_after_inference
    forksafety._inference_pid, forksafety._forked_after_inference = None, False
    yield
    forksafety._inference_pid, forksafety._forked_after_inference = saved


def _in_child(check: str) -> int:
    """Fork; run ``check`` in the child; its exit status (0 ok, 3 refused, 4 other)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 0
        try:
            {"infer": forksafety.assert_may_infer, "fork": lambda: None}[check]()
        except forksafety.ForkAfterInference:
            code = 3
        except BaseException:  # noqa: BLE001 - the child reports any failure by exit code
            code = 4
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def test_a_child_forked_before_any_inference_may_infer(clean_state: None) -> None:
    assert _in_child("infer") == 0


def test_a_child_forked_after_inference_refuses_instead_of_hanging(clean_state: None) -> None:
    forksafety.note_inference()
    assert _in_child("infer") == 3
    # the parent itself may go on using its model
    forksafety.assert_may_infer()


def test_a_process_that_ran_the_model_may_not_fork(clean_state: None) -> None:
    forksafety.assert_may_fork("test")
    forksafety.note_inference()
    with pytest.raises(forksafety.ForkAfterInference, match="refusing to fork"):
        forksafety.assert_may_fork("test")


def test_serve_refuses_to_start_workers_after_inference(
    clean_state: None, capsys: pytest.CaptureFixture[str]
) -> None:
    forksafety.note_inference()
    assert serve._serve(bind="127.0.0.1:1", workers=1) == 1
    assert "拒绝启动" in capsys.readouterr().err


def test_the_bundled_model_records_its_inference(clean_state: None) -> None:
    from kechuang.matching.embeddings import E5Small

    E5Small(num_threads=1).embed(["储能电池热管理"], query=True)
    assert forksafety.inference_ran_here()
    assert _in_child("infer") == 3
