"""DEBA: dynamic efficient batch adaptation, reproduced. Importing this package never imports torch."""

__version__ = "0.1.0"
