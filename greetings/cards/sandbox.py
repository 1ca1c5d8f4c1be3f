"""A Jinja sandbox that a greeting template cannot use to take the cards down.

Jinja's own SandboxedEnvironment keeps a template away from Python's internals, but not
from the CPU or the memory: `range(10**9)` raised OverflowError (not a TemplateError) on
every card, two nested `range(100000)` loops held a worker for 30 s, and `"x" * 10**9` or
`"{:>999999999}".format(x)` build a gigabyte. A greeting needs variables, conditions and
perhaps a small loop; this environment allows exactly that and bounds everything else:

- Statements: output, `if`, `for` (not `recursive`), `set x = …` and `with`. Macros, call
  and filter blocks, block `set`, includes, imports and namespaces are refused when the
  template is compiled (each could loop or grow text outside the bounds below).
- Loops: every `for` iterates through `guard_iter` (the compiled template calls it; the
  template cannot name or replace it), which counts against MAX_ITERATIONS per render
  and checks the CPU time; `range` refuses more than MAX_RANGE items.
- Text and numbers: `~`, `+`, `*`, `%`, `**`, `join` and `replace` refuse results longer
  than MAX_STRING characters (or integers past MAX_INT_BITS) before building them; only
  methods that cannot grow text are callable on strings (no `format`, `center`, `ljust`…);
  only filters from SAFE_FILTERS exist.
- Output: streamed and cut at MAX_OUTPUT characters; the whole render may use
  MAX_CPU_SECONDS of this thread's CPU time.

A template breaking a bound raises GreetingTooCostly (a TemplateError) with a reason code.
Written by hand because no Jinja extension bounds a template's cost; it uses only Jinja's
public extension points (the sandbox's hooks, `parse`, and compiling a modified AST).
"""

from __future__ import annotations

import contextvars
import time
from dataclasses import dataclass

from jinja2 import StrictUndefined, TemplateRuntimeError, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

MAX_SOURCE = 5000           # characters of template
MAX_OUTPUT = 2000           # characters of greeting (a card holds far fewer)
MAX_STRING = 10_000         # characters of any text built on the way
MAX_ITERATIONS = 1000       # loop turns per render, all loops together
MAX_RANGE = 1000            # items of one range()
MAX_INT_BITS = 1024         # an integer this large already prints as 309 digits
MAX_CPU_SECONDS = 0.2       # of this thread, per render (a plain greeting takes ~50 µs)

# Nodes a greeting may contain; anything else is refused when the template is compiled.
ALLOWED_NODES = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.If, nodes.For, nodes.Assign,
    nodes.With, nodes.Const, nodes.Name, nodes.Getattr, nodes.Getitem, nodes.Slice,
    nodes.Filter, nodes.Test, nodes.Call, nodes.CondExpr, nodes.And, nodes.Or, nodes.Not,
    nodes.Compare, nodes.Operand, nodes.Add, nodes.Sub, nodes.Mul, nodes.Div,
    nodes.FloorDiv, nodes.Mod, nodes.Pow, nodes.Neg, nodes.Pos, nodes.Concat, nodes.Tuple,
    nodes.List, nodes.Dict, nodes.Pair, nodes.Keyword,
)
# What a refused node is called in messages: the tag a person wrote.
NODE_TAGS = {
    nodes.Macro: "macro", nodes.CallBlock: "call", nodes.FilterBlock: "filter",
    nodes.AssignBlock: "set … endset", nodes.Include: "include", nodes.Import: "import",
    nodes.FromImport: "from … import", nodes.Extends: "extends", nodes.Block: "block",
    nodes.NSRef: "namespace", nodes.Scope: "scope",
}
SAFE_FILTERS = frozenset({
    "abs", "capitalize", "count", "d", "default", "first", "float", "int", "join", "last",
    "length", "list", "lower", "map", "max", "min", "reject", "replace", "reverse", "round",
    "select", "sort", "string", "sum", "title", "trim", "truncate", "unique", "upper",
    "wordcount",
})
# Methods callable on text, lists and mappings: none of them grows its input by more than
# a small factor, none changes anything.
SAFE_METHODS = frozenset({
    "capitalize", "casefold", "count", "endswith", "find", "get", "index", "isalnum",
    "isalpha", "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper", "items",
    "keys", "lower", "lstrip", "rfind", "rstrip", "split", "startswith", "strip",
    "swapcase", "title", "upper", "values",
})
_PLAIN_TYPES = (str, bytes, list, tuple, dict, set, frozenset, int, float)


class GreetingTooCostly(TemplateRuntimeError):
    """A template went past one of the sandbox's bounds; `reason` names which."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


class GreetingForbidden(TemplateSyntaxError):
    """A template uses a tag or name the greeting sandbox does not allow."""

    def __init__(self, reason: str, message: str, lineno: int):
        super().__init__(message, lineno)
        self.reason = reason


@dataclass
class Budget:
    """What one render may still spend."""

    iterations: int = MAX_ITERATIONS
    cpu_deadline: float = 0.0

    def step(self) -> None:
        """Spend one loop turn; raise when the turns or the CPU time are used up."""
        self.iterations -= 1
        if self.iterations < 0:
            raise GreetingTooCostly(
                "too-many-iterations", f"the loops ran more than {MAX_ITERATIONS} times")
        self.check_time()

    def check_time(self) -> None:
        """Raise when this render has used its CPU time."""
        if time.thread_time() > self.cpu_deadline:
            raise GreetingTooCostly(
                "too-slow", f"rendering took more than {MAX_CPU_SECONDS} s of CPU time")


_budget: contextvars.ContextVar[Budget | None] = contextvars.ContextVar(
    "greeting_budget", default=None)


def _spend() -> Budget:
    budget = _budget.get()
    if budget is None:   # rendered outside render(): give it a budget of its own
        budget = Budget(cpu_deadline=time.thread_time() + MAX_CPU_SECONDS)
        _budget.set(budget)
    return budget


def _text_length(value) -> int:
    return len(value) if isinstance(value, str | list | tuple) else 0


def _refuse_long(length: int) -> None:
    if length > MAX_STRING:
        raise GreetingTooCostly("value-too-large",
                                f"a text of {length} characters (at most {MAX_STRING})")


def _refuse_big_int(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise GreetingTooCostly("value-too-large",
                                f"a number of about {bits} bits (at most {MAX_INT_BITS})")


def bounded_range(*args) -> range:
    """range(), refusing more than MAX_RANGE items (counted without building them)."""
    rng = range(*args)
    span = rng.stop - rng.start
    count = max(0, -(-span // rng.step)) if rng.step > 0 else max(0, -(span // -rng.step))
    if count > MAX_RANGE:
        raise GreetingTooCostly("range-too-large",
                                f"range() of {count} items (at most {MAX_RANGE})")
    return rng


def bounded_join(value, separator: str = "", attribute=None) -> str:
    """The `join` filter, refusing a result longer than MAX_STRING before building it."""
    items = [str(item) for item in value] if attribute is None else None
    if items is None:
        raise GreetingTooCostly("forbidden", "join(attribute=…) is not available")
    _refuse_long(sum(map(len, items)) + len(str(separator)) * max(0, len(items) - 1))
    return str(separator).join(items)


def bounded_replace(value, old, new, count=None) -> str:
    """The `replace` filter, refusing a result longer than MAX_STRING before building it."""
    text, old, new = str(value), str(old), str(new)
    found = text.count(old) if old else len(text) + 1
    if count is not None:
        found = min(found, max(0, int(count)))
    _refuse_long(len(text) + found * (len(new) - len(old)))
    return text.replace(old, new, -1 if count is None else max(0, int(count)))


class BoundedEnvironment(SandboxedEnvironment):
    """The sandbox greeting templates run in: Jinja's, with the bounds of this module."""

    intercepted_binops = frozenset({"+", "*", "%", "**"})

    def __init__(self):
        super().__init__(autoescape=False, undefined=StrictUndefined,
                         keep_trailing_newline=False)
        self.globals = {"range": bounded_range}
        filters = {name: self.filters[name] for name in SAFE_FILTERS}
        self.filters = {**filters, "join": bounded_join, "replace": bounded_replace}

    def is_safe_attribute(self, obj, attr, value) -> bool:
        """Allow only the methods of SAFE_METHODS on plain values (text, lists, numbers)."""
        if not super().is_safe_attribute(obj, attr, value):
            return False
        return not (callable(value) and isinstance(obj, _PLAIN_TYPES)
                    and attr not in SAFE_METHODS)

    def wrap_str_format(self, value):
        """Never hand out str.format: a width of 10**9 makes a gigabyte of text."""
        return None

    def call_binop(self, context, operator, left, right):
        """Refuse +, *, % and ** whose result would be too long or too large."""
        if operator == "+":
            _refuse_long(_text_length(left) + _text_length(right))
        elif operator == "*":
            self._check_product(left, right)
        elif operator == "**" and isinstance(left, int) and isinstance(right, int):
            if abs(left) > 1 and right > 0:
                _refuse_big_int(left.bit_length() * right)
        elif operator == "%" and isinstance(left, str):
            raise GreetingTooCostly("forbidden", "text formatting with % is not available")
        return super().call_binop(context, operator, left, right)

    @staticmethod
    def _check_product(left, right) -> None:
        if isinstance(left, int) and isinstance(right, str | list | tuple):
            left, right = right, left
        if isinstance(left, str | list | tuple) and isinstance(right, int):
            _refuse_long(len(left) * max(0, right))
        elif isinstance(left, int) and isinstance(right, int):
            _refuse_big_int(left.bit_length() + right.bit_length())

    def guard_iter(self, iterable):
        """Yield what a `for` loop iterates over, one budgeted turn at a time."""
        budget = _spend()
        for item in iterable:
            budget.step()
            yield item

    def concat(self, parts) -> str:
        """Join the operands of `~`, refusing a result longer than MAX_STRING."""
        texts = [str(part) for part in parts]
        _refuse_long(sum(map(len, texts)))
        return "".join(texts)


def _refuse_forbidden(tree: nodes.Template) -> None:
    """Raise GreetingForbidden for the first node a greeting may not contain."""
    for node in tree.find_all(nodes.Node):
        if not isinstance(node, ALLOWED_NODES):
            tag = NODE_TAGS.get(type(node), type(node).__name__.lower())
            raise GreetingForbidden("forbidden-tag", f"{{% {tag} %}} is not available in "
                                    "a greeting", node.lineno)
        if isinstance(node, nodes.For) and node.recursive:
            raise GreetingForbidden("forbidden-tag", "recursive loops are not available in "
                                    "a greeting", node.lineno)
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            raise GreetingForbidden("forbidden-attribute",
                                    f"the attribute {node.attr} is not available", node.lineno)


def _guard(tree: nodes.Template) -> nodes.Template:
    """Route every loop through guard_iter and every `~` through concat."""
    for loop in tree.find_all(nodes.For):
        loop.iter = nodes.Call(nodes.EnvironmentAttribute("guard_iter"), [loop.iter], [],
                               None, None, lineno=loop.lineno)
    for concat in list(tree.find_all(nodes.Concat)):
        concat.nodes = [nodes.Call(nodes.EnvironmentAttribute("concat"),
                                   [nodes.List(concat.nodes, lineno=concat.lineno)], [],
                                   None, None, lineno=concat.lineno)]
    return tree


ENVIRONMENT = BoundedEnvironment()


def parse(source: str) -> nodes.Template:
    """Parse a greeting template and refuse what it may not contain (TemplateSyntaxError)."""
    if len(source) > MAX_SOURCE:
        raise GreetingForbidden("source-too-long", f"the template has {len(source)} "
                                f"characters (at most {MAX_SOURCE})", 1)
    tree = ENVIRONMENT.parse(source)
    _refuse_forbidden(tree)
    return tree


def compile_template(source: str):
    """Return the bounded, compiled form of a greeting template; raise TemplateError."""
    return ENVIRONMENT.from_string(_guard(parse(source)))


def render(template, values: dict) -> str:
    """Render a compiled template within the bounds; raise TemplateError past one.

    Other exceptions (a ZeroDivisionError, a RecursionError…) pass through: the caller
    decides what a failed greeting becomes.
    """
    budget = Budget(cpu_deadline=time.thread_time() + MAX_CPU_SECONDS)
    token = _budget.set(budget)
    try:
        out, length = [], 0
        for chunk in template.generate(**values):
            length += len(chunk)
            if length > MAX_OUTPUT:
                raise GreetingTooCostly("output-too-long", f"the text is longer than "
                                        f"{MAX_OUTPUT} characters")
            budget.check_time()
            out.append(chunk)
        return "".join(out)
    finally:
        _budget.reset(token)
