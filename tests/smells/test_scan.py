"""Every kind of unscannable file becomes a counted skip with its reason, and the scan goes on."""
import os

import pytest

from smells.findings import SKIP_REASONS
from smells.scan import iter_python_files, scan_file, scan_paths, terminal_progress


def write(path, content):
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


HOSTILE = {
    "python2": "print 'hello'\n",
    "syntax-error": "def broken(:\n    pass\n",
    "decode-error": b"# -*- coding: utf-8 -*-\nx = '\xff\xfe'\n",
    "too-deep": "x = " + "(" * 300 + "1" + ")" * 300 + "\n",
}


@pytest.mark.parametrize("source", ["exec 'x = 1'\n", "try:\n    pass\nexcept ValueError, e:\n    pass\n",
                                    "mode = 0777\n"])
def test_python2_constructs(tmp_path, source):
    assert scan_file(write(tmp_path / "old.py", source)).skip.reason == "python2"


@pytest.mark.parametrize("reason", sorted(HOSTILE))
def test_skip_reason(tmp_path, reason):
    result = scan_file(write(tmp_path / "bad.py", HOSTILE[reason]))
    assert result.skip is not None and result.skip.reason == reason
    assert result.findings == []


def test_too_deep_from_recursion_in_parser(tmp_path):
    source = "x = " + "+".join(["1"] * 100_000) + "\n"
    result = scan_file(write(tmp_path / "deep.py", source))
    assert result.skip.reason == "too-deep"


def test_too_large(tmp_path):
    path = write(tmp_path / "big.py", "x = 1\n" * 100)
    result = scan_file(path, max_bytes=50)
    assert result.skip.reason == "too-large" and "max_bytes=50" in result.skip.detail


def test_null_bytes_are_a_syntax_error(tmp_path):
    assert scan_file(write(tmp_path / "nul.py", b"x = 1\x00\n")).skip.reason == "syntax-error"


def test_unreadable(tmp_path):
    # A directory named like a module cannot be read as a file, even by root.
    (tmp_path / "pkg.py").mkdir()
    result = scan_file(tmp_path / "pkg.py")
    assert result.skip.reason == "unreadable" and "IsADirectoryError" in result.skip.detail


def test_every_skip_reason_is_tested():
    assert set(HOSTILE) | {"too-large", "unreadable"} == set(SKIP_REASONS)


def test_latin1_cookie_and_bom_decode(tmp_path):
    latin = write(tmp_path / "latin.py", "# -*- coding: latin-1 -*-\nname = 'caf\xe9'\nx = []\n".encode("latin-1"))
    bom = write(tmp_path / "bom.py", b"\xef\xbb\xbfa = 1\nb = 2\n")
    assert scan_file(latin).skip is None
    assert [f.idiom for f in scan_file(bom).findings] == ["assign-multiple-targets"]


def test_scan_goes_on_after_bad_files(tmp_path):
    write(tmp_path / "a_bad.py", "def (:\n")
    write(tmp_path / "b_good.py", "a = 1\nb = 2\n")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "c.py", "if x == []:\n    pass\n")
    write(tmp_path / "notes.txt", "a = 1\nb = 2\n")
    results = scan_paths([tmp_path])
    assert [os.path.basename(r.path) for r in results] == ["a_bad.py", "b_good.py", "c.py"]
    assert [len(r.findings) for r in results] == [0, 1, 1]


def test_symlinks_are_not_followed(tmp_path):
    real = write(tmp_path / "real.py", "a = 1\n")
    (tmp_path / "link.py").symlink_to(real)
    assert [p.name for p in iter_python_files([tmp_path])] == ["real.py"]


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no-such-dir"):
        list(iter_python_files([tmp_path / "no-such-dir"]))


def test_progress_quiet_when_not_a_terminal(tmp_path):
    class Pipe:
        def isatty(self):
            return False

    assert terminal_progress(Pipe()) is None


def test_progress_on_a_terminal_reports_files(tmp_path):
    class Tty:
        def __init__(self):
            self.text = ""

        def isatty(self):
            return True

        def write(self, s):
            self.text += s

        def flush(self):
            pass

    tty = Tty()
    for name in "abc":
        write(tmp_path / f"{name}.py", "x = 1\n")
    scan_paths([tmp_path], progress=terminal_progress(tty))
    assert "3/3 files" in tty.text and tty.text.endswith("\n")
