"""Tests of the DEBA analysis and of paperkit (hand-made result sets, no training)."""
