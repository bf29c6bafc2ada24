"""Shared research-paper kit: statistics, figure style and LaTeX writers used by both studies (no torch).

- `paperkit.stats`: bootstrap intervals, paired comparisons, Holm, Cliff's delta, Spearman (scipy.stats).
- `paperkit.style`: one matplotlib style, column/text widths, colour-blind palette, byte-stable saving.
- `paperkit.latex`: escaping, booktabs tables from pandas, number formatting, `\\newcommand` macro files.
- `paperkit.files`: atomic output files (also used by deba's checkpoints and run results).
"""
