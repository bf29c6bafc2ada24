"""LaTeX writers: escaping, booktabs tables from pandas, number formatting and `\\newcommand` macro files.

The number formatters (`format_number`, `interval`, `percent`, `p_value`) are the only ones the studies use:
result files hold numbers, and a table or macro writer formats them here; `plain` gives their Markdown form.

Generated fragments are written atomically (temporary file, then rename) so the workflow never sees a
half-written table. Tables need `booktabs` and, with `siunitx=True`, `siunitx` in the preamble.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from .files import write_text_atomically

_ESCAPES = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
_ESCAPE_PATTERN = re.compile("|".join(re.escape(char) for char in _ESCAPES))
_DIGIT_WORDS = ("Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine")
MISSING = "n/a"


def escape(text: object) -> str:
    """Escape LaTeX's special characters in plain text, e.g. `mobilenet_v3` -> `mobilenet\\_v3`, `50%` -> `50\\%`."""
    return _ESCAPE_PATTERN.sub(lambda match: _ESCAPES[match.group(0)], str(text))


def format_number(x: float | None, digits: int = 2, *, sign: bool = False) -> str:
    """Fixed-point text for prose and text cells: `digits` decimals, a typographic minus, NaN/None as "n/a".

    `sign=True` writes a leading "+" for positive values (for differences).
    """
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return MISSING
    value = float(x)
    if not math.isfinite(value):
        return MISSING
    text = f"{abs(value):.{digits}f}"
    negative = value < 0 and float(text) != 0  # no "-0.00"
    if negative:
        return "$-$" + text
    return ("+" + text) if sign and float(text) != 0 else text


def interval(value: float | None, low: float | None, high: float | None, *, scale: float = 1.0, digits: int = 2,
             sign: bool = False) -> str:
    """"+2.9 [2.6, 3.2]": an estimate with its interval, each multiplied by `scale` (100 for percent and points);
    the interval is left out when either end is missing, and the whole is "n/a" when the estimate is.

    `sign=True` writes a "+" before a positive estimate (a difference); the interval's ends never carry one.
    """
    if not _finite(value):
        return MISSING
    text = format_number(float(value) * scale, digits, sign=sign)
    if not (_finite(low) and _finite(high)):
        return text
    return f"{text} [{format_number(float(low) * scale, digits)}, {format_number(float(high) * scale, digits)}]"


def percent(value: float | None, *, digits: int = 1, sign: bool = False, symbol: bool = False) -> str:
    """A fraction as percent: `percent(0.123)` -> "12.3", with `symbol=True` "12.3\\%"; "n/a" when missing."""
    if not _finite(value):
        return MISSING
    return format_number(float(value) * 100, digits, sign=sign) + ("\\%" if symbol else "")


def p_value(p: float | None, *, smallest: float = 0.001) -> str:
    """A p-value with 3 decimals, "$<$0.001" below `smallest`, "n/a" when missing."""
    if not _finite(p):
        return MISSING
    return f"$<${format_number(smallest, 3)}" if float(p) < smallest else format_number(float(p), 3)


# What the formatters above write in LaTeX, and its plain-text (Markdown) form.
_PLAIN = {"$-$": "\u2212", "$<$": "<", "\\%": "%", "$^*$": "*", "$^\\dagger$": "\u2020",
          "$^\\ddagger$": "\u2021"}


def plain(text: object) -> str:
    """A fragment written by these formatters in plain text for Markdown: "$-$0.4 [$-$1.3, 0.0]\\%" ->
    "\u22120.4 [\u22121.3, 0.0]%". Only the marks the formatters write are converted; anything else is left."""
    text = str(text)
    for latex, unicode in _PLAIN.items():
        text = text.replace(latex, unicode)
    return text


def _finite(value: object) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def macro_name(*parts: object) -> str:
    """A valid LaTeX macro name from parts: CamelCase of their alphanumeric pieces, digits spelled out.

    `macro_name("speedup", "mobilenet_v3", "cifar10")` -> `SpeedupMobilenetVThreeCifarOneZero`.
    """
    words: list[str] = []
    for part in parts:
        for token in re.findall(r"[A-Za-z]+|[0-9]", str(part)):
            words.append(_DIGIT_WORDS[int(token)] if token.isdigit() else token[0].upper() + token[1:])
    if not words:
        raise ValueError(f"macro_name{parts!r}: no letters or digits to build a name from")
    return "".join(words)


def write_macros(mapping: Mapping[str, object], path: str | Path, *, header: str = "") -> Path:
    """Write `\\newcommand{\\Name}{value}` lines, sorted by name, atomically.

    Names must be letters only (use `macro_name`) and should carry a study prefix so they cannot clash with
    LaTeX's own commands. Values: strings are written as given (already LaTeX), numbers via
    `format_number` with 2 decimals (ints as they are), None/NaN as "n/a".
    """
    lines = ["% Generated file: do not edit. Every number the paper's prose quotes."]
    if header:
        lines += [f"% {line}" for line in header.splitlines()]
    for name in sorted(mapping):
        if not re.fullmatch(r"[A-Za-z]+", name):
            raise ValueError(f"macro name {name!r} is not letters only; build it with paperkit.latex.macro_name")
        value = mapping[name]
        if isinstance(value, bool):
            text = "yes" if value else "no"
        elif isinstance(value, int):
            text = str(value)
        elif value is None or isinstance(value, float):
            text = format_number(value, 2)
        else:
            text = str(value)
        lines.append(f"\\newcommand{{\\{name}}}{{{text}}}")
    return write_text_atomically(path, "\n".join(lines) + "\n")


def _header(text: str) -> str:
    """An escaped column header; a trailing unit in parentheses ("Speedup (%)") goes on a second line, so a
    column of short numbers is not as wide as its header."""
    name, bracket, unit = text.rpartition(" (")
    if not bracket or not unit.endswith(")"):
        return escape(text)
    return f"\\shortstack{{{escape(name)}\\\\({escape(unit)}}}"


def text_columns(*widths_cm: float) -> str:
    """A `column_format` of paragraph columns of these widths (cm), set ragged right: justified text in a
    narrow column spreads an interval such as "+5.6 [0.6, 15.0]" across the whole cell."""
    return "".join(f">{{\\raggedright\\arraybackslash}}p{{{width:.2f}cm}}" for width in widths_cm)


def write_table(df: pd.DataFrame, path: str | Path, *, caption: str, label: str, column_format: str | None = None,
                siunitx: bool = True, digits: int | Mapping[str, int] = 3, wide: bool = False,
                note: str = "", latex_columns: tuple[str, ...] = (), font: str = "",
                latex_headers: tuple[str, ...] = ()) -> Path:
    """Write `df` (index hidden) as a booktabs LaTeX table via `pandas.io.formats.style.Styler.to_latex`.

    Headers and text cells are escaped (so `mobilenet_v3` and `50%` print as written); numeric columns are
    rounded to `digits` decimals (an int for all, or a per-column mapping) and, with `siunitx=True`, set
    in `S` columns (headers braced so siunitx leaves them alone); missing numbers print as "n/a" (braced in
    S columns). Text columns are left-aligned; cells of `latex_columns` are already LaTeX (e.g. intervals
    made with `format_number`) and are not escaped; nor are the headers in `latex_headers` (e.g. "$d_z$"). `caption` is LaTeX (not escaped), `note` is a sentence
    printed under the table in small type. `wide=True` uses `table*` (spans both columns). `font` is a size
    command for the whole float (e.g. "\\footnotesize"); it also tightens the column separation.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError("write_table: df must be a pandas DataFrame")
    frame = df.reset_index(drop=True)
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and
               not pd.api.types.is_bool_dtype(frame[c])]
    if column_format is None:
        column_format = "".join(("S" if siunitx else "r") if c in numeric else "l" for c in frame.columns)
    styler = frame.style.hide(axis="index")
    missing = "{" + MISSING + "}" if siunitx else MISSING
    for column in frame.columns:
        if column in numeric:
            places = digits.get(column, 3) if isinstance(digits, Mapping) else digits
            if pd.api.types.is_integer_dtype(frame[column]):
                styler = styler.format("{:d}", subset=[column], na_rep=missing)
            else:
                styler = styler.format(f"{{:.{places}f}}", subset=[column], na_rep=missing)
        elif column in latex_columns:
            styler = styler.format(na_rep=MISSING, subset=[column])
        else:
            styler = styler.format(escape="latex", subset=[column], na_rep=MISSING)
    styler = styler.format_index(lambda header: header if header in latex_headers else _header(header), axis=1)
    body = styler.to_latex(column_format=column_format, hrules=True, siunitx=siunitx,
                           position="tbp", position_float="centering", caption=caption, label=label,
                           environment="table*" if wide else "table")
    # Shrunk to the column (or page, for table*) only when wider than it, or taller than most of a page (what
    # is left is for the caption and note): a table whose last columns or rows run off the page hides results,
    # and which tables are too large depends on their numbers.
    fit = "max width=\\linewidth, max totalheight=0.75\\textheight"
    body = body.replace("\\begin{tabular}", f"\\begin{{adjustbox}}{{{fit}}}\n\\begin{{tabular}}", 1)
    body = body.replace("\\end{tabular}", "\\end{tabular}\n\\end{adjustbox}", 1)
    if font:
        body = body.replace("\\centering\n", f"\\centering\n{font}\\setlength{{\\tabcolsep}}{{3pt}}\n", 1)
    if note:
        end = "\\end{table*}" if wide else "\\end{table}"
        body = body.replace(end, f"\\par\\footnotesize {note}\n{end}")
    return write_text_atomically(path, "% Generated file: do not edit.\n" + body)
