"""Data records shared by the detector, the scanner and the study: idiom names, findings, scopes, skips.

One source of truth for the nine idiom names (RIdiom's, Zhang et al. ESEC/FSE 2022) and their order in
tables and figures.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

# The nine non-idiomatic patterns, in the order RIdiom's paper lists them.
IDIOMS: tuple[str, ...] = (
    "list-comprehension",
    "set-comprehension",
    "dict-comprehension",
    "chain-comparison",
    "truth-value-test",
    "for-else",
    "assign-multiple-targets",
    "star-in-call",
    "for-multiple-targets",
)

# The idiom the study also reports without: it dominates counts and is rarely a performance issue.
DOMINANT_IDIOM = "assign-multiple-targets"

# Why a file was not scanned. Every skip carries one of these.
SKIP_REASONS: tuple[str, ...] = ("python2", "syntax-error", "decode-error", "too-large", "too-deep", "unreadable")


@dataclass(frozen=True, slots=True)
class Finding:
    """One non-idiomatic code fragment and the idiomatic form we suggest for it."""

    path: str
    idiom: str
    line: int
    end_line: int
    function: str  # qualified name of the enclosing function or class, "<module>" at top level
    scope_id: int  # index into the file's scopes; joins a finding to its stage
    suggestion: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class Scope:
    """A module, class or function body; lines belong to the innermost scope that contains them."""

    kind: str  # "module", "class" or "function"
    name: str  # qualified name, e.g. "Trainer.fit"
    class_name: str  # innermost enclosing class ("" if none)
    line: int
    end_line: int
    calls: set[str] = field(default_factory=set)  # dotted names of callees, e.g. "np.concatenate"
    code_lines: int = 0  # non-blank, non-comment lines owned by this scope (filled by the KLOC pass)


@dataclass(frozen=True, slots=True)
class Skip:
    """A file the scan could not analyse, and why (one of SKIP_REASONS)."""

    path: str
    reason: str
    detail: str

    def to_dict(self) -> dict:
        return asdict(self)
