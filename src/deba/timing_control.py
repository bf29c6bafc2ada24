"""The A/A timing control: which runs time identical work, so that their "speedup" is the machine's noise.

A timing-control run is a fixed-batch run trained a second time (config `timing_control`; scheduler `fixed`,
variant `repeat`). Its measured speedup over its `fixed`/`main` twin is what the machine alone does to a timing;
`deba.analysis.noise` turns these, and the DEBA runs that kept their batch, into the timing noise floor every
speed verdict is judged against.

Standard library only, and nothing here changes what a run trains: the grid (`deba.grid`) reads the pair while
the workflow parses, and the training rule's code digest follows its imports.
"""

from __future__ import annotations

TIMING_CONTROL = ("fixed", "repeat")  # (scheduler, variant) of the A/A runs


def is_timing_control(frame):
    """A boolean mask of the rows of `frame` (any table with `scheduler` and `variant` columns: runs, pairs,
    comparisons) that are the A/A timing control."""
    return (frame["scheduler"] == TIMING_CONTROL[0]) & (frame["variant"] == TIMING_CONTROL[1])
