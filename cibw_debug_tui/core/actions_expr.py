"""Evaluate the GitHub Actions expressions (`${{ ... }}`) a wheel workflow puts in its settings.

Only what is known before a run starts can be evaluated: literals, a static `matrix` entry and
`runner.os` / `runner.arch` (the debug build runs on the same runner). Everything else (`secrets`,
`vars`, `github`, `needs`, `steps`, `env`, `inputs`, `hashFiles()`...) raises `Unresolved` with
the reason in words, so the caller never copies a value it cannot know.

The grammar and the loose comparisons follow GitHub's documentation ("Evaluate expressions in
workflows and actions"): strings compare case-insensitively, `||` and `&&` return an operand,
mixed types compare as numbers.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

MAX_EXPRESSION = 4000  # characters in one ${{ }}; GitHub's own limit is higher, real ones are short
MAX_DEPTH = 50  # nesting of parentheses, calls and operators
_KEYWORDS = {"true": True, "false": False, "null": None}

WHY = {
    "secrets": "reads the secret {name}, which is never copied",
    "vars": "reads the configuration variable {name}, which this tool cannot see",
    "github": "depends on the event that started the main build ({name})",
    "needs": "uses the output of another job ({name}), known only while the main build runs",
    "steps": "uses the output of an earlier step ({name}), known only while the main build runs",
    "env": "reads {name} while the main build runs",
    "inputs": "is an input of the workflow ({name}), chosen when it is started",
    "job": "depends on the job while it runs ({name})",
    "jobs": "depends on the jobs while they run ({name})",
    "strategy": "depends on the job's place in the matrix ({name})",
    "runner": "depends on the runner while it runs ({name})",
}


# A parsed expression: ("lit", value), ("ctx", name), ("prop", node, key), ("star", node),
# ("not", node), ("bool" or "cmp", operator, left, right), ("call", name, [node, ...]).
Node = tuple[Any, ...]


class Unresolved(Exception):
    """An expression whose value is not known before the main build runs; str() is the reason."""


class _Syntax(Exception):
    pass


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>0x[0-9a-fA-F]+|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<str>'(?:[^']|'')*')
    | (?P<op>\|\||&&|==|!=|<=|>=|[<>!()\[\].,*])
    | (?P<name>[A-Za-z_][A-Za-z0-9_-]*)
    )""",
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, str]]:
    text = text.strip()
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise _Syntax(f"unexpected {text[pos:].strip()[:20]!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


class _Parser:
    """Recursive descent from tokens to a tree of tuples; evaluation comes after, so that an
    unknown value on one side of `||` or `&&` never leaves the parse half done."""

    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise _Syntax("the expression ends too early")
        token = self.tokens[self.pos]
        if expected is not None and token[1] != expected:
            raise _Syntax(f"expected {expected!r}, found {token[1]!r}")
        self.pos += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise _Syntax("the expression is empty")
        tree = self.or_()
        if self.pos != len(self.tokens):
            raise _Syntax(f"unexpected {self.tokens[self.pos][1]!r}")
        return tree

    def _deeper(self, rule: Callable[[], Node]) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Syntax("the expression is nested too deeply")
        try:
            return rule()
        finally:
            self.depth -= 1

    def _binary(self, operators: tuple[str, ...], lower: Callable[[], Node], kind: str) -> Node:
        left = self._deeper(lower)
        while self.peek() in operators:
            op = self.take()[1]
            left = (kind, op, left, self._deeper(lower))
        return left

    def or_(self) -> Node:
        return self._binary(("||",), self.and_, "bool")

    def and_(self) -> Node:
        return self._binary(("&&",), self.equality, "bool")

    def equality(self) -> Node:
        return self._binary(("==", "!="), self.comparison, "cmp")

    def comparison(self) -> Node:
        return self._binary(("<", "<=", ">", ">="), self.unary, "cmp")

    def unary(self) -> Node:
        if self.peek() == "!":
            self.take()
            return ("not", self._deeper(self.unary))
        return self.postfix()

    def postfix(self) -> Node:
        node = self.primary()
        while self.peek() in (".", "["):
            if self.take()[1] == ".":
                kind, text = self.take()
                if text == "*":
                    node = ("star", node)
                elif kind == "name":
                    node = ("prop", node, ("lit", text))
                else:
                    raise _Syntax(f"expected a property name after '.', found {text!r}")
            else:
                key = self._deeper(self.or_)
                self.take("]")
                node = ("prop", node, key)
        return node

    def primary(self) -> Node:
        kind, text = self.take()
        if kind == "num":
            return ("lit", _number(text))
        if kind == "str":
            return ("lit", text[1:-1].replace("''", "'"))
        if text == "(":
            node = self._deeper(self.or_)
            self.take(")")
            return node
        if kind != "name":
            raise _Syntax(f"unexpected {text!r}")
        lowered = text.lower()
        if lowered in _KEYWORDS:
            return ("lit", _KEYWORDS[lowered])
        if self.peek() != "(":
            return ("ctx", lowered)
        self.take("(")
        args: list[Node] = []
        while self.peek() != ")":
            if args:
                self.take(",")
            args.append(self._deeper(self.or_))
        self.take(")")
        return ("call", lowered, args)


def _dotted(node: Node) -> str:
    """`github.event.pull_request` for the tree of that property access, for the reasons."""
    if node[0] == "ctx":
        return str(node[1])
    if node[0] == "prop":
        key = node[2]
        if key[0] == "lit" and isinstance(key[1], str):
            return f"{_dotted(node[1])}.{key[1]}"
        return f"{_dotted(node[1])}[...]"
    if node[0] == "star":
        return f"{_dotted(node[1])}.*"
    return "(...)"


def _root(node: Node) -> Node:
    while node[0] in ("prop", "star"):
        node = node[1]
    return node


def _unknown_context(node: Node) -> Unresolved:
    parts = _dotted(node).split(".")
    context = parts[0]
    reason = WHY.get(context)
    if reason is None:
        return Unresolved(f"uses {'.'.join(parts)}, which this tool cannot evaluate")
    keep = 3 if context == "github" else 2
    return Unresolved(reason.format(name=".".join(parts[:keep])))


def _eval(node: Node, context: Mapping[str, Any]) -> Any:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "bool":
        left = _eval(node[2], context)
        if node[1] == "||":
            return left if truthy(left) else _eval(node[3], context)
        return _eval(node[3], context) if truthy(left) else left
    if kind == "cmp":
        left, right = _eval(node[2], context), _eval(node[3], context)
        if node[1] in ("==", "!="):
            return _loose_equal(left, right) == (node[1] == "==")
        return _compare(left, right, node[1])
    if kind == "not":
        return not truthy(_eval(node[1], context))
    if kind == "call":
        return _call(node[1], [_eval(arg, context) for arg in node[2]])
    root = _root(node)
    if root[0] == "ctx":
        name = root[1]
        if name not in context:
            raise _unknown_context(node)
        known = context[name]
        if isinstance(known, Unresolved):
            raise known
        if (
            name == "runner"
            and node is not root
            and _dotted(node).lower() not in (f"runner.{key}" for key in known)
        ):
            raise _unknown_context(node)
    if kind == "ctx":
        return context[node[1]]
    if kind == "star":
        raise Unresolved(f"uses a filter ({_dotted(node)}) this tool does not evaluate")
    return _index(_eval(node[1], context), _eval(node[2], context))


def _number(text: str) -> float | int:
    if text.lower().startswith("0x"):
        return int(text, 16)
    value = float(text)
    return (
        int(value) if value.is_integer() and "." not in text and "e" not in text.lower() else value
    )


def truthy(value: Any) -> bool:
    """GitHub's truth: null, false, 0, NaN and "" are false; everything else (even []) is true."""
    if isinstance(value, float) and math.isnan(value):
        return False
    return value not in (None, False, 0, "")


def _to_number(value: Any) -> float:
    if value is None or isinstance(value, (bool, int, float)):
        return float(value or 0)
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(int(text, 16)) if text.lower().startswith("0x") else float(text or 0)
        except ValueError:
            return math.nan
    return math.nan


def _loose_equal(left: Any, right: Any) -> bool:
    if isinstance(left, (list, dict)) or isinstance(right, (list, dict)):
        return left is right
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if type(left) is type(right):
        return bool(left == right)
    return _to_number(left) == _to_number(right)  # NaN equals nothing


def _compare(left: Any, right: Any, op: str) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        a: Any = left.casefold()
        b: Any = right.casefold()
    else:  # a NaN compares false either way
        a, b = _to_number(left), _to_number(right)
    return bool({"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op])


def _index(value: Any, key: Any) -> Any:
    if isinstance(value, dict):
        if not isinstance(key, str):
            return None
        for k, v in value.items():
            if isinstance(k, str) and k.casefold() == key.casefold():
                return v
        return None
    if isinstance(value, list):
        number = _to_number(key)
        if isinstance(key, bool) or math.isnan(number) or not number.is_integer():
            return None
        i = int(number)
        return value[i] if 0 <= i < len(value) else None
    return None


def to_string(value: Any) -> str:
    """A value as GitHub writes it into a string: null is empty, booleans are lower case."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list):
        return "Array"
    if isinstance(value, dict):
        return "Object"
    return str(value)


def _call(name: str, args: list[Any]) -> Any:
    def need(count: int) -> None:
        if len(args) != count:
            raise _Syntax(f"{name}() takes {count} arguments, not {len(args)}")

    if name == "contains":
        need(2)
        haystack, needle = args
        if isinstance(haystack, list):
            return any(_loose_equal(item, needle) for item in haystack)
        return to_string(needle).casefold() in to_string(haystack).casefold()
    if name in ("startswith", "endswith"):
        need(2)
        text, part = to_string(args[0]).casefold(), to_string(args[1]).casefold()
        return text.startswith(part) if name == "startswith" else text.endswith(part)
    if name == "format":
        if not args:
            raise _Syntax("format() needs a format string")
        return _format(to_string(args[0]), args[1:])
    if name == "join":
        if len(args) not in (1, 2):
            raise _Syntax("join() takes 1 or 2 arguments")
        sep = to_string(args[1]) if len(args) == 2 else ","
        items = args[0] if isinstance(args[0], list) else [args[0]]
        return sep.join(to_string(item) for item in items)
    if name == "tojson":
        need(1)
        return json.dumps(args[0], indent=2)
    if name == "fromjson":
        need(1)
        try:
            return json.loads(to_string(args[0]))
        except ValueError:
            raise Unresolved("passes text that is not JSON to fromJSON()") from None
    if name in ("success", "always"):
        return True
    if name in ("failure", "cancelled"):
        return False
    if name == "hashfiles":
        raise Unresolved("hashes files of the checkout (hashFiles), known only while it runs")
    raise Unresolved(f"calls {name}(), which this tool cannot evaluate")


def _format(template: str, args: list[Any]) -> str:
    def field(m: re.Match[str]) -> str:
        if m.group(0) in ("{{", "}}"):
            return m.group(0)[0]
        index = m.group(1) or ""
        if not re.fullmatch(r"[0-9]{1,6}", index) or int(index) >= len(args):
            raise _Syntax(f"format() has no argument for {{{index}}}")
        return to_string(args[int(index)])

    return re.sub(r"\{\{|\}\}|\{([^}]*)\}|\{", field, template)


def evaluate(expression: str, context: Mapping[str, Any]) -> Any:
    """The value of one expression (the text inside `${{ }}`) in `context` (lower-case names:
    "matrix", "runner"...). Raises Unresolved with the reason; a malformed expression is
    Unresolved too, since GitHub would reject the workflow anyway."""
    if len(expression) > MAX_EXPRESSION:
        raise Unresolved(f"is an expression of {len(expression)} characters, too long to read")
    try:
        return _eval(_Parser(_tokens(expression)).parse(), context)
    except _Syntax as error:  # bad syntax, or a function called with the wrong arguments
        raise Unresolved(f"is not a valid expression ({error})") from None
    except RecursionError:  # a chain of thousands of operators
        raise Unresolved("is an expression nested too deeply to read") from None


def split_template(text: str) -> list[tuple[bool, str]]:
    """`text` cut into (is_expression, part) pieces: literal text and the insides of `${{ }}`.
    A `${{` without its `}}` raises Unresolved."""
    pieces: list[tuple[bool, str]] = []
    pos = 0
    while True:
        start = text.find("${{", pos)
        if start < 0:
            if pos < len(text):
                pieces.append((False, text[pos:]))
            return pieces
        if start > pos:
            pieces.append((False, text[pos:start]))
        i = start + 3
        quoted = False
        while i < len(text):
            if text[i] == "'":
                quoted = not quoted
            elif not quoted and text.startswith("}}", i):
                break
            i += 1
        else:
            raise Unresolved("has a ${{ without its closing }}")
        pieces.append((True, text[start + 3 : i]))
        pos = i + 2


def interpolate(text: str, context: Mapping[str, Any]) -> str:
    """`text` with every `${{ expression }}` replaced by its value, as GitHub does for a string
    in `env:`, `with:` or `runs-on:`. Raises Unresolved with the reason."""
    return "".join(
        to_string(evaluate(part, context)) if is_expr else part
        for is_expr, part in split_template(text)
    )


def evaluate_value(text: str, context: Mapping[str, Any]) -> Any:
    """Like interpolate, but a text that is exactly one `${{ }}` keeps its type (a list for
    `runs-on`, a boolean for `if:`)."""
    pieces = split_template(text.strip())
    if len(pieces) == 1 and pieces[0][0]:
        return evaluate(pieces[0][1], context)
    return interpolate(text, context)


def literals(expression: str) -> list[str]:
    """The string literals in an expression: the runner labels a dynamic `runs-on` may choose."""
    try:
        return [
            text[1:-1].replace("''", "'") for kind, text in _tokens(expression) if kind == "str"
        ]
    except _Syntax:
        return []
