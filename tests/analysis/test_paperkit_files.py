"""Atomic output files: a failure leaves the previous file (or none), never a partial one."""

import stat

import pytest

from paperkit.files import atomic_output, write_text_atomically


def test_a_written_file_replaces_the_old_one_and_is_world_readable(tmp_path):
    target = tmp_path / "deep" / "table.tex"
    write_text_atomically(target, "old\n")
    write_text_atomically(target, "new\n", durable=True)
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["table.tex"]


def test_a_failure_while_writing_keeps_the_previous_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "figure.pdf"
    target.write_text("finished figure")
    with pytest.raises(RuntimeError):
        with atomic_output(target) as tmp:
            tmp.write_text("half a fig")
            raise RuntimeError("plotting failed")
    assert target.read_text() == "finished figure"
    assert [p.name for p in tmp_path.iterdir()] == ["figure.pdf"]


def test_the_temporary_file_keeps_the_suffix_so_writers_that_infer_the_format_still_work(tmp_path):
    with atomic_output(tmp_path / "figure.png") as tmp:
        assert tmp.suffix == ".png" and tmp.parent == tmp_path
        tmp.write_bytes(b"png")
