"""Find RIdiom's nine non-idiomatic patterns in one parsed module, in a single pass over the whole tree.

Unlike RIdiom, the walk covers module level, class bodies, ``async def`` and nested functions exactly once,
and a finding is only offered when its suggested form means the same thing (see docs/smells.md for each
rule and each documented difference). The detector never imports or runs the code it reads.

Entry point: ``detect(tree, path) -> (findings, scopes, imports)``.
"""
from __future__ import annotations

import ast

from smells.findings import Finding, Scope

_ORDERING_OPS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq)
# Calls that build an empty value of a known type; `x == list()` is as much a truth test as `x == []`.
_EMPTY_CONSTRUCTORS = frozenset({"list", "tuple", "dict", "set", "frozenset", "str", "bytes"})


def _is_pure(node: ast.expr) -> bool:
    """A name or attribute chain over a name: evaluating it twice or once gives the same result."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _pure_key(node: ast.expr) -> str | None:
    """``a`` or ``a.b.c`` for a name or attribute chain over a name (context-free), else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _is_empty_value(node: ast.expr) -> bool:
    """An empty literal, zero or an empty constructor call, but never None/True/False (see docs)."""
    if isinstance(node, ast.Constant):
        value = node.value
        if value is None or isinstance(value, bool):
            return False
        return value in ("", b"", 0)  # 0 == 0.0 == 0j
    if isinstance(node, (ast.List, ast.Tuple)):
        return not node.elts
    if isinstance(node, ast.Dict):
        return not node.keys
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        name = node.func.id
        if name in _EMPTY_CONSTRUCTORS and not node.args:
            return True
        if name == "range" and len(node.args) == 1:
            arg = node.args[0]
            return isinstance(arg, ast.Constant) and arg.value == 0 and not isinstance(arg.value, bool)
    return False


def _empty_container_kind(node: ast.expr) -> str | None:
    """'list', 'set' or 'dict' when ``node`` builds that empty container, else None."""
    if isinstance(node, ast.List) and not node.elts:
        return "list"
    if isinstance(node, ast.Dict) and not node.keys:
        return "dict"
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("list", "set", "dict")
        and not node.args
        and not node.keywords
    ):
        return node.func.id
    return None


def _names_in(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _loads(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Store)}


def _read_later(stmts: list[ast.stmt], index: int, names: set[str]) -> bool:
    """Whether a statement after ``stmts[index]`` in the same block may read one of ``names``.

    A name stops being tracked once a later ``for`` or plain assignment rebinds it without reading it first.
    """
    pending = set(names)
    for stmt in stmts[index + 1 :]:
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            if pending & _loads(stmt.iter):
                return True
            pending -= _names_in(stmt.target)
            if pending & _loads(stmt):
                return True
        elif isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets):
            if pending & _loads(stmt.value):
                return True
            pending -= {t.id for t in stmt.targets}
        elif pending & _names_in(stmt):
            return True
        if not pending:
            return False
    return False


def _callee_name(func: ast.expr) -> str:
    """Dotted name of a callee: ``np.concatenate``, ``open``, or ``*.append`` for a computed receiver."""
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    parts.append(func.id if isinstance(func, ast.Name) else "*")
    return ".".join(reversed(parts))


class _FileDetector:
    """Walks one module; collects findings, scopes (module, classes, functions) and imported modules."""

    def __init__(self, path: str):
        self.path = path
        self.findings: list[Finding] = []
        self.scopes: list[Scope] = []
        self.imports: set[str] = set()

    # -- traversal ---------------------------------------------------------------------------------
    def run(self, tree: ast.Module) -> None:
        end = max((getattr(s, "end_lineno", 1) or 1 for s in tree.body), default=1)
        self.scopes.append(Scope("module", "<module>", "", 1, end))
        self._block(tree.body, 0)

    def _new_scope(self, node, kind: str, parent: int) -> int:
        parent_scope = self.scopes[parent]
        prefix = "" if parent_scope.kind == "module" else parent_scope.name + "."
        class_name = node.name if kind == "class" else parent_scope.class_name
        self.scopes.append(Scope(kind, prefix + node.name, class_name, node.lineno, node.end_lineno))
        return len(self.scopes) - 1

    def _block(self, stmts: list[ast.stmt], scope: int) -> None:
        self._block_idioms(stmts, scope)
        for index, stmt in enumerate(stmts):
            self._statement(stmt, stmts, index, scope)

    def _statement(self, stmt: ast.stmt, stmts: list[ast.stmt], index: int, scope: int) -> None:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # Decorators, defaults and annotations run in the enclosing scope.
            for expr in stmt.decorator_list:
                self._expr(expr, scope)
            self._generic(stmt.args, scope)
            inner = self._new_scope(stmt, "function", scope)
            self._block(stmt.body, inner)
            return
        if isinstance(stmt, ast.ClassDef):
            for expr in stmt.decorator_list + stmt.bases + [k.value for k in stmt.keywords]:
                self._expr(expr, scope)
            self._block(stmt.body, self._new_scope(stmt, "class", scope))
            return
        if isinstance(stmt, ast.Import):
            self.imports.update(alias.name.split(".")[0] for alias in stmt.names)
        elif isinstance(stmt, ast.ImportFrom):
            if stmt.level == 0 and stmt.module:
                self.imports.add(stmt.module.split(".")[0])
        elif isinstance(stmt, (ast.If, ast.While, ast.Assert)):
            self._test(stmt.test, scope)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            self._for_multiple_targets(stmt, stmts, index, scope)
        self._generic(stmt, scope)

    def _generic(self, node: ast.AST, scope: int) -> None:
        """Visit the children of a statement (or helper node) that are not handled specially."""
        for name, value in ast.iter_fields(node):
            if isinstance(value, list):
                if not value:
                    continue
                if isinstance(value[0], ast.stmt):
                    self._block(value, scope)
                    continue
                for item in value:
                    if isinstance(item, ast.expr):
                        self._expr(item, scope)
                    elif isinstance(item, ast.AST):
                        self._generic(item, scope)
            elif isinstance(value, ast.expr):
                self._expr(value, scope)
            elif isinstance(value, ast.AST) and name != "ctx":
                self._generic(value, scope)

    def _expr(self, root: ast.expr, scope: int) -> None:
        calls = self.scopes[scope].calls
        for node in ast.walk(root):
            if isinstance(node, ast.Call):
                calls.add(_callee_name(node.func))
                if len(node.args) >= 2:
                    self._star_in_call(node, scope)
            elif isinstance(node, ast.BoolOp):
                if isinstance(node.op, ast.And) and len(node.values) >= 2:
                    self._chain_comparison(node, scope)
            elif isinstance(node, ast.IfExp):
                self._test(node.test, scope)
            elif isinstance(node, ast.comprehension):
                for cond in node.ifs:
                    self._test(cond, scope)

    # -- reporting ---------------------------------------------------------------------------------
    def _add(self, idiom: str, first: ast.AST, last: ast.AST, scope: int, suggestion: str) -> None:
        self.findings.append(
            Finding(
                path=self.path,
                idiom=idiom,
                line=first.lineno,
                end_line=last.end_lineno,
                function=self.scopes[scope].name,
                scope_id=scope,
                suggestion=suggestion,
            )
        )

    # -- idioms over a statement list ----------------------------------------------------------------
    def _block_idioms(self, stmts: list[ast.stmt], scope: int) -> None:
        group: list[ast.Assign] = []
        group_keys: set[str] = set()  # dotted names of earlier targets in the run (`a`, `self.x`)
        group_roots: set[str] = set()  # root names of those targets
        for index, stmt in enumerate(stmts):
            nxt = stmts[index + 1] if index + 1 < len(stmts) else None
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target = stmt.targets[0]
                if isinstance(nxt, ast.For) and isinstance(target, ast.Name):
                    kind = _empty_container_kind(stmt.value)
                    if kind:
                        self._comprehension(kind, stmt, nxt, stmts, index + 1, scope)
                if isinstance(target, ast.Name) and isinstance(stmt.value, ast.Constant):
                    self._for_else(stmt, stmts, index, scope)
            # Assign multiple targets: a run of simple assignments where no value reads an earlier target
            # of the run (the tuple form evaluates every value before assigning any target).
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(
                stmt.targets[0], (ast.Name, ast.Attribute)
            ) and _is_pure(stmt.targets[0]):
                target = stmt.targets[0]
                target_key = _pure_key(target)
                read_parts = [stmt.value] + ([target.value] if isinstance(target, ast.Attribute) else [])
                reads = {_pure_key(n) for part in read_parts for n in ast.walk(part)
                         if isinstance(n, (ast.Name, ast.Attribute))}
                read_roots = {n.id for part in read_parts for n in ast.walk(part) if isinstance(n, ast.Name)}
                calls = any(isinstance(n, ast.Call) for n in ast.walk(stmt.value))
                # A call may read an earlier attribute target through its object (`self.f()` reads self.x).
                clash = bool(reads & group_keys) or target_key in group_keys or (
                    calls and bool(read_roots & group_roots)
                )
                if clash:
                    self._flush_assign_group(group, scope)
                    group, group_keys, group_roots = [], set(), set()
                group.append(stmt)
                group_keys.add(target_key)
                root = target
                while isinstance(root, ast.Attribute):
                    root = root.value
                group_roots.add(root.id)
            else:
                self._flush_assign_group(group, scope)
                group, group_keys, group_roots = [], set(), set()
        self._flush_assign_group(group, scope)

    def _flush_assign_group(self, group: list[ast.Assign], scope: int) -> None:
        if len(group) < 2:
            return
        targets = ", ".join(ast.unparse(s.targets[0]) for s in group)
        values = ", ".join(ast.unparse(s.value) for s in group)
        self._add("assign-multiple-targets", group[0], group[-1], scope, f"{targets} = {values}")

    def _comprehension(self, kind, init: ast.Assign, loop: ast.For, stmts, loop_index: int, scope: int):
        name = init.targets[0].id
        clauses: list[ast.AST] = []
        node: ast.stmt = loop
        loop_names: set[str] = set()
        # Descend through single-statement nested for/if (no else) to the one accumulating statement.
        while True:
            if isinstance(node, ast.For) and not node.orelse:
                clauses.append(node)
                loop_names |= _names_in(node.target)
            elif isinstance(node, ast.If) and not node.orelse:
                clauses.append(node)
            else:
                break
            if len(node.body) != 1:
                return
            node = node.body[0]
        element = _accumulated_element(kind, node, name)
        if element is None:
            return
        # The element, iterables and conditions must not read the container being built, and the loop
        # variables must not be read after the loop (a comprehension does not leak them).
        for part in list(element) + [c.iter if isinstance(c, ast.For) else c.test for c in clauses]:
            if name in _names_in(part):
                return
        if _read_later(stmts, loop_index, loop_names):
            return
        text = " ".join(
            f"for {ast.unparse(c.target)} in {ast.unparse(c.iter)}" if isinstance(c, ast.For)
            else f"if {ast.unparse(c.test)}"
            for c in clauses
        )
        if kind == "dict":
            body = f"{{{ast.unparse(element[0])}: {ast.unparse(element[1])} {text}}}"
        elif kind == "set":
            body = f"{{{ast.unparse(element[0])} {text}}}"
        else:
            body = f"[{ast.unparse(element[0])} {text}]"
        self._add(f"{kind}-comprehension", init, loop, scope, f"{name} = {body}")

    def _for_else(self, init: ast.Assign, stmts: list[ast.stmt], index: int, scope: int) -> None:
        if index + 2 >= len(stmts):
            return
        loop, check = stmts[index + 1], stmts[index + 2]
        initial = init.value.value
        if not (isinstance(initial, bool) and isinstance(loop, ast.For) and not loop.orelse):
            return
        if not isinstance(check, ast.If):
            return
        flag = init.targets[0].id
        test = check.test
        negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
        if negated:
            test = test.operand
        if not (isinstance(test, ast.Name) and test.id == flag):
            return
        if not _sets_flag_then_breaks(loop.body, flag, not initial):
            return
        # The flag keeps the initial value exactly when the loop did not break: that branch becomes else.
        no_break_branch = check.body if bool(initial) != negated else check.orelse
        if not no_break_branch or _read_later(stmts, index + 2, {flag}):
            return
        first = ast.unparse(no_break_branch[0]).splitlines()[0]
        suggestion = (
            f"for {ast.unparse(loop.target)} in {ast.unparse(loop.iter)}: ... break ... "
            f"else: {first}  # without {flag}"
        )
        self._add("for-else", init, check, scope, suggestion)

    # -- idioms on single statements and expressions --------------------------------------------------
    def _for_multiple_targets(self, loop, stmts, index: int, scope: int) -> None:
        if not isinstance(loop.target, ast.Name):
            return
        var = loop.target.id
        indexed: set[int] = set()
        allowed: set[int] = set()  # id() of Name nodes that appear only as var[<int constant>]
        seen: list[ast.Name] = []
        for stmt in loop.body + loop.orelse:
            for node in ast.walk(stmt):
                if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == var:
                    key = node.slice
                    if (
                        isinstance(node.ctx, ast.Load)
                        and isinstance(key, ast.Constant)
                        and type(key.value) is int
                        and key.value >= 0
                    ):
                        indexed.add(key.value)
                        allowed.add(id(node.value))
                elif isinstance(node, ast.Name) and node.id == var:
                    seen.append(node)
        if len(indexed) < 2 or any(id(n) not in allowed for n in seen):
            return
        if _read_later(stmts, index, {var}):
            return
        names = [f"{var}_{i}" if i in indexed else "_" for i in range(max(indexed) + 1)]
        target = ", ".join(names + ["*_"])
        self._add("for-multiple-targets", loop, loop, scope, f"for {target} in {ast.unparse(loop.iter)}:")

    def _star_in_call(self, call: ast.Call, scope: int) -> None:
        run: list[ast.Subscript] = []

        def flush():
            if len(run) >= 2:
                start, stop = run[0].slice.value, run[-1].slice.value + 1
                base = ast.unparse(run[0].value)
                piece = f"*{base}[{start or ''}:{stop}]"
                self._add("star-in-call", run[0], run[-1], scope, piece)

        for arg in call.args:
            ok = (
                isinstance(arg, ast.Subscript)
                and isinstance(arg.slice, ast.Constant)
                and type(arg.slice.value) is int
                and arg.slice.value >= 0
                and _is_pure(arg.value)
            )
            if ok and run and (
                ast.dump(arg.value) == ast.dump(run[-1].value) and arg.slice.value == run[-1].slice.value + 1
            ):
                run.append(arg)
                continue
            flush()
            run = [arg] if ok else []
        flush()

    def _chain_comparison(self, node: ast.BoolOp, scope: int) -> None:
        values = node.values
        run: list[ast.Compare] = []

        def flush():
            if len(run) >= 2:
                merged = ast.Compare(
                    left=run[0].left,
                    ops=[op for c in run for op in c.ops],
                    comparators=[x for c in run for x in c.comparators],
                )
                self._add("chain-comparison", run[0], run[-1], scope, ast.unparse(merged))

        for value in values:
            ok = isinstance(value, ast.Compare) and all(isinstance(op, _ORDERING_OPS) for op in value.ops)
            # Only adjacent operands that already share the middle operand in written order: no reordering,
            # and the shared operand must be pure because the chain evaluates it once.
            if ok and run and _is_pure(value.left) and ast.dump(run[-1].comparators[-1]) == ast.dump(value.left):
                run.append(value)
                continue
            flush()
            run = [value] if ok else []
        flush()

    def _test(self, test: ast.expr, scope: int) -> None:
        """Truth-value tests, in positions where only the truth of the expression is used."""
        if isinstance(test, ast.BoolOp):
            for value in test.values:
                self._test(value, scope)
        elif isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            self._test(test.operand, scope)
        elif isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.NotEq)):
            left, right = test.left, test.comparators[0]
            if _is_empty_value(right):
                other = left
            elif _is_empty_value(left):
                other = right
            else:
                return
            new = ast.UnaryOp(op=ast.Not(), operand=other) if isinstance(test.ops[0], ast.Eq) else other
            self._add("truth-value-test", test, test, scope, ast.unparse(new))


def _accumulated_element(kind: str, stmt: ast.stmt, name: str):
    """The element expression(s) when ``stmt`` adds one element to container ``name``, else None."""
    if kind in ("list", "set") and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        method = "append" if kind == "list" else "add"
        func = call.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == method
            and isinstance(func.value, ast.Name)
            and func.value.id == name
            and len(call.args) == 1
            and not call.keywords
            and not isinstance(call.args[0], ast.Starred)
        ):
            return (call.args[0],)
    if kind == "dict" and isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and target.value.id == name:
            if not isinstance(target.slice, ast.Slice):
                return (target.slice, stmt.value)
    return None


def _sets_flag_then_breaks(body: list[ast.stmt], flag: str, value: bool) -> bool:
    """Whether the loop body sets ``flag = value`` and breaks in the same branch, and never else sets it.

    Nested loops and functions are not entered: their ``break`` does not leave our loop.
    """
    found = False
    pending = list(body)
    while pending:
        stmt = pending.pop()
        if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if flag in _names_in(stmt):
                return False
            continue
        if isinstance(stmt, ast.If):
            branch = stmt.body
            assigns = [
                s for s in branch
                if isinstance(s, ast.Assign) and len(s.targets) == 1
                and isinstance(s.targets[0], ast.Name) and s.targets[0].id == flag
            ]
            if (
                len(assigns) == 1
                and isinstance(assigns[0].value, ast.Constant)
                and assigns[0].value.value is value
                and isinstance(branch[-1], ast.Break)
                and flag not in _names_in(stmt.test)
            ):
                found = True
                pending.extend(s for s in branch if s is not assigns[0])
                pending.extend(stmt.orelse)
                continue
            if flag in _names_in(stmt.test):
                return False
            pending.extend(stmt.body + stmt.orelse)
            continue
        if isinstance(stmt, (ast.With, ast.AsyncWith, ast.Try)):
            for field in ("body", "orelse", "finalbody"):
                pending.extend(getattr(stmt, field, []))
            for handler in getattr(stmt, "handlers", []):
                pending.extend(handler.body)
            continue
        if flag in _names_in(stmt):
            return False
    return found


def detect(tree: ast.Module, path: str) -> tuple[list[Finding], list[Scope], set[str]]:
    """All findings in a parsed module, its scopes (index 0 is the module) and its absolute imports."""
    detector = _FileDetector(path)
    detector.run(tree)
    detector.findings.sort(key=lambda f: (f.line, f.end_line, f.idiom))
    return detector.findings, detector.scopes, detector.imports
