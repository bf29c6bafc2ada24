"""The HTML report of the tiny config: built by Snakemake, opened in headless Chromium, checked to render."""

import shutil
import subprocess

import pytest

pytestmark = pytest.mark.slow

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-quic"]


def test_report_has_every_figure_and_renders_in_chromium(tiny_workflow, tmp_path):
    workdir, _ = tiny_workflow
    report = workdir / "results" / "report.html"  # made by `rule all` (rule report runs `snakemake --report`)
    html = report.read_text(errors="replace")
    assert len(html) > 100_000  # self-contained: figures and data are embedded
    for name in ("effects.pdf", "trajectories.pdf", "accuracy_time.pdf", "density.pdf", "DEBA figures"):
        assert name in html, name
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium); the report was built and "
                    "checked as HTML only")
    screenshot = tmp_path / "report.png"
    result = subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                             "--enable-logging=stderr", "--v=0", "--window-size=1280,1600",
                             "--virtual-time-budget=10000", f"--screenshot={screenshot}", report.as_uri()],
                            capture_output=True, text=True, timeout=180)
    assert screenshot.is_file(), result.stderr[-3000:]
    script_errors = [line for line in result.stderr.splitlines() if "Uncaught" in line or "SyntaxError" in line]
    assert not script_errors, script_errors
    from PIL import Image

    with Image.open(screenshot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50, "the screenshot is blank"
