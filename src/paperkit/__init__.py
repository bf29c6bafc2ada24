"""Shared research-paper kit: statistics, figure style and LaTeX writers used by both studies (no torch)."""
