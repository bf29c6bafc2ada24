"""paperkit.style: figures are byte-stable across processes and saved atomically."""

import hashlib
import subprocess
import sys

from paperkit import style

SCRIPT = """
from paperkit import style
fig, ax = style.figure()
ax.plot([1, 2, 3], [1, 4, 9], label="mobilenet_v3")
ax.legend()
style.save_figure(fig, {path!r})
"""


def test_pdf_is_byte_stable_across_processes(tmp_path):
    digests = []
    for i in range(2):
        path = tmp_path / f"f{i}.pdf"
        subprocess.run([sys.executable, "-c", SCRIPT.format(path=str(path))], check=True)
        digests.append(hashlib.sha256(path.read_bytes()).hexdigest())
        assert path.read_bytes().startswith(b"%PDF")
    assert digests[0] == digests[1]
    assert list(tmp_path.glob(".*")) == []  # no temporary files left


def test_png_and_sizes(tmp_path):
    fig, _ = style.figure("text", aspect=0.5)
    assert tuple(fig.get_size_inches()) == (style.TEXT_WIDTH_IN, style.TEXT_WIDTH_IN * 0.5)
    style.save_figure(fig, tmp_path / "f.png")
    assert (tmp_path / "f.png").read_bytes().startswith(b"\x89PNG")
    assert len(style.PALETTE) >= 6


def test_style_module_does_not_import_pyplot():
    code = "import sys, paperkit.style; assert 'matplotlib.pyplot' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
