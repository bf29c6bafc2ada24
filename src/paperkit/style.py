"""One figure style for every plot in the paper, and a byte-stable way to save figures.

Sizes are in inches and match `paper/main.tex` (two-column article, 0.75 in margins): a figure made with
`figure("column")` is included at `\\columnwidth` without scaling, so its fonts print at the stated size.
The palette is Okabe-Ito (distinguishable with the common colour-vision deficiencies).

Nothing here imports pyplot at import time: the workflow parses modules that import this one, and pyplot
is slow to import and would pick an interactive backend. `figure()` selects Agg first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .files import atomic_output

# Two-column article with 0.75 in margins on US letter: text 7.0 in wide, columns 3.375 in (0.25 in gap).
COLUMN_WIDTH_IN = 3.375
TEXT_WIDTH_IN = 7.0

# Okabe & Ito (2008), the colour-blind-safe qualitative palette; black last for a reference line.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")

_RC: dict[str, Any] = {
    "font.family": "serif",
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.2,
    "lines.markersize": 3.5,
    "grid.linewidth": 0.4,
    "grid.alpha": 0.4,
    "savefig.dpi": 300,
    "figure.dpi": 100,
    "savefig.bbox": "standard",  # 'tight' would change the size we chose to fit the column
    "figure.constrained_layout.use": True,
    # Type 42 (TrueType) fonts: text stays selectable; the subset is deterministic.
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "pgf.texsystem": "pdflatex",
    "svg.hashsalt": "paperkit",  # fixed ids in SVG output
}


def apply_style() -> None:
    """Select the Agg backend and apply the shared rcParams and colour cycle (idempotent)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from cycler import cycler

    matplotlib.rcParams.update(_RC)
    matplotlib.rcParams["axes.prop_cycle"] = cycler(color=list(PALETTE))


def figure(width: str | float = "column", aspect: float = 0.62, **subplots_kw: Any):
    """A styled `(fig, ax)` from `plt.subplots`: width "column", "text" or inches; height = width * aspect."""
    apply_style()
    import matplotlib.pyplot as plt

    if width == "column":
        width_in = COLUMN_WIDTH_IN
    elif width == "text":
        width_in = TEXT_WIDTH_IN
    elif isinstance(width, (int, float)) and width > 0:
        width_in = float(width)
    else:
        raise ValueError(f"figure(width={width!r}): allowed are 'column', 'text' or a width in inches > 0")
    return plt.subplots(figsize=(width_in, width_in * aspect), **subplots_kw)


def save_figure(fig: Any, path: str | Path) -> Path:
    """Save `fig` to `path` (PDF, or PNG if the name ends in .png) atomically and byte-stably; close it.

    Byte-stable: no creation date and a fixed producer in the PDF metadata, no timestamp in the PNG, so the
    same data give the same bytes and an unchanged figure does not look changed to the workflow. Written
    to a temporary file in the same folder and renamed, so a crash never leaves a half-written figure.
    """
    import matplotlib.pyplot as plt

    path = Path(path)
    fmt = "png" if path.suffix.lower() == ".png" else "pdf"
    metadata = ({"CreationDate": None, "ModDate": None, "Producer": "paperkit", "Creator": "paperkit"}
                if fmt == "pdf" else {"Software": "paperkit"})
    try:
        with atomic_output(path) as tmp:
            fig.savefig(tmp, format=fmt, metadata=metadata)
    finally:
        plt.close(fig)
    return path
