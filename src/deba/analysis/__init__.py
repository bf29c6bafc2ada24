"""The DEBA study's analysis: aggregation of run folders, statistics across seeds, characterization,
figures, tables and LaTeX macros for the paper. Importing this package imports nothing heavy; the
workflow parses `deba.analysis.layout` only (file names and code digests), the scripts import the rest."""
