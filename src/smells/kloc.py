"""Count source lines with ``tokenize``: the lines that hold code, not blanks, comments or docstrings.

KLOC in the study is ``len(code_lines(source)) / 1000``. A statement made only of string literals (a
docstring, or a bare string used as a comment) does not count, as in cloc. Every physical line a code token
spans counts, so a multi-line call is all code.
"""
from __future__ import annotations

import io
import tokenize

from smells.findings import Scope

_NOT_CODE = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                       tokenize.ENCODING, tokenize.ENDMARKER})


def code_lines(source: str) -> set[int]:
    """Line numbers (1-based) that hold code. Raises tokenize.TokenError/SyntaxError on broken source."""
    lines: set[int] = set()
    statement: list[tokenize.TokenInfo] = []  # code tokens of the current logical line
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.NEWLINE or token.type == tokenize.ENDMARKER:
            if statement and not all(t.type == tokenize.STRING for t in statement):
                for t in statement:
                    lines.update(range(t.start[0], t.end[0] + 1))
            statement = []
        elif token.type not in _NOT_CODE:
            statement.append(token)
    return lines


def assign_lines_to_scopes(lines: set[int], scopes: list[Scope]) -> None:
    """Set each scope's ``code_lines`` to the code lines whose innermost enclosing scope it is.

    ``scopes`` is in the detector's order (module first, then depth-first), so a later scope that covers a
    line is nested inside any earlier one that does.
    """
    if not scopes:
        return
    last = max(lines, default=0)
    owner = [0] * (last + 1)
    for index, scope in enumerate(scopes[1:], start=1):
        for line in range(scope.line, min(scope.end_line, last) + 1):
            owner[line] = index
    for scope in scopes:
        scope.code_lines = 0
    for line in lines:
        scopes[owner[line]].code_lines += 1
