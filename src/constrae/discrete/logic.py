"""Logical rules over code units: a tiny parser (no eval) and a product-logic evaluator.

Grammar (whitespace is ignored)::

    rule   := expr
    expr   := unit | NAME "(" args ")"
    unit   := "u" DIGITS                      (code unit j, 0-based)
    args   := arg ("," arg)*
    arg    := expr | INTEGER | GROUP          (GROUP: a name from ``groups``)

Functions: ``not(a)``, ``and(a, b, ...)``, ``or(a, b, ...)``, ``implies(a, b)``,
``exclusive(a, b, ...)`` (at most one is true), ``at_most(k, ...)`` and ``at_least(k, ...)``.
A GROUP argument stands for all its units and may appear in the lists of and, or,
exclusive, at_most and at_least; k is the first argument of at_most/at_least.

Truth values t in [0, 1] of the units' "on" probabilities p (product t-norm):
unit p_j; not 1 - t; and prod t_i; or 1 - prod (1 - t_i); implies 1 - t_a (1 - t_b);
at_most(k, ...) the probability that at most k of the arguments are true if they were
independent (a Poisson-binomial sum, computed exactly by a recursion over the
arguments), at_least(k, ...) = 1 - at_most(k - 1, ...), exclusive = at_most(1, ...).
On 0/1 inputs every truth value is exactly 0 or 1, the Boolean value of the rule:
the same evaluator checks the binarised codes exactly.
"""

import re
from typing import NamedTuple

import torch

from constrae.errors import ConfigError


class RuleError(ConfigError):
    """A rule does not parse, or names a unit or group that does not exist."""


class Unit(NamedTuple):
    number: int


class Apply(NamedTuple):
    function: str
    args: tuple
    """Sub-expressions; for at_most/at_least the first is the integer k."""
    position: int


Expr = Unit | Apply
_ARITY = {
    "not": (1, 1),
    "implies": (2, 2),
    "and": (2, None),
    "or": (2, None),
    "exclusive": (2, None),
    "at_most": (2, None),
    "at_least": (2, None),
}
_TAKES_GROUPS = {"and", "or", "exclusive", "at_most", "at_least"}
_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z_][A-Za-z_0-9]*)|(?P<int>\d+)|(?P<punct>[(),]))")
_UNIT = re.compile(r"u(\d+)")
_EXPECTED = {"name": "a unit, group or function", "int": "an integer k", "punct": "punctuation"}


def tokenize(rule: str, where: str) -> list[tuple[str, str, int]]:
    """(kind, text, position) tokens; RuleError at the first character that is none."""
    tokens, position = [], 0
    while position < len(rule):
        if rule[position:].strip() == "":
            break
        match = _TOKEN.match(rule, position)
        if match is None:
            start = len(rule) - len(rule[position:].lstrip())
            raise RuleError(f"{where}: unexpected character {rule[start]!r} at position {start} in {rule!r}")
        kind = match.lastgroup
        assert kind is not None, "every alternative of _TOKEN is a named group"
        tokens.append((kind, match.group(kind), match.start(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, rule: str, groups: dict[str, list[int]], where: str) -> None:
        self.rule, self.groups, self.where = rule, groups, where
        self.tokens, self.i = tokenize(rule, where), 0

    def fail(self, message: str, position: int | None = None) -> RuleError:
        if position is None:
            position = self.tokens[self.i][2] if self.i < len(self.tokens) else len(self.rule)
        return RuleError(f"{self.where}: {message} at position {position} in {self.rule!r}")

    def take(self, kind: str, text: str | None = None) -> tuple[str, str, int]:
        if self.i >= len(self.tokens):
            raise self.fail(f"expected {_EXPECTED.get(kind, text or kind)}, the rule ended")
        token = self.tokens[self.i]
        if token[0] != kind or (text is not None and token[1] != text):
            raise self.fail(f"expected {text or _EXPECTED[kind]}, got {token[1]!r}")
        self.i += 1
        return token

    def parse(self) -> Expr:
        expr = self.expr(group_allowed=False)
        if self.i != len(self.tokens):
            raise self.fail(f"unexpected {self.tokens[self.i][1]!r} after the rule")
        return expr

    def expr(self, group_allowed: bool):
        _, name, position = self.take("name")
        unit = _UNIT.fullmatch(name)
        if self.i < len(self.tokens) and self.tokens[self.i][1] == "(":
            return self.apply(name, position)
        if unit:
            return Unit(int(unit.group(1)))
        if name in self.groups:
            if not group_allowed:
                raise self.fail(
                    f"group {name!r} can only be an argument of {', '.join(sorted(_TAKES_GROUPS))}", position
                )
            return tuple(Unit(j) for j in self.groups[name])
        raise self.fail(
            f"unknown unit or group {name!r} (units are u0, u1, ...; groups: {', '.join(self.groups) or 'none'})",
            position,
        )

    def apply(self, function: str, position: int) -> Apply:
        if function not in _ARITY:
            raise self.fail(f"unknown function {function!r}; allowed: {', '.join(_ARITY)}", position)
        self.take("punct", "(")
        counted = function in ("at_most", "at_least")
        args: list = [int(self.take("int")[1])] if counted else []
        if counted:
            self.take("punct", ",")
        while True:
            arg = self.expr(group_allowed=function in _TAKES_GROUPS)
            args.extend(arg if type(arg) is tuple else [arg])  # a group: its units
            if self.tokens[self.i : self.i + 1] and self.tokens[self.i][1] == ",":
                self.i += 1
                continue
            break
        self.take("punct", ")")
        low, high = _ARITY[function]
        n = len(args)
        if n < low or (high is not None and n > high):
            raise self.fail(
                f"{function} takes {low if high == low else f'at least {low}'} arguments, got {n}", position
            )
        if counted:
            # at_most(m) and at_least(0) of m arguments hold always: refused as mistakes.
            m = n - 1
            low_k, high_k = (0, m - 1) if function == "at_most" else (1, m)
            if not low_k <= args[0] <= high_k:
                raise self.fail(f"{function}: k={args[0]} must be in [{low_k}, {high_k}] for {m} arguments", position)
        return Apply(function, tuple(args), position)


def parse_rule(rule: str, groups: dict[str, list[int]], where: str = "rule") -> Expr:
    """The expression tree of ``rule``; RuleError names the problem and its position."""
    if not isinstance(rule, str) or not rule.strip():
        raise RuleError(f"{where}: expected a rule such as 'implies(u0, u1)', got {rule!r}")
    return _Parser(rule, groups, where).parse()


def units_of(expr: Expr) -> set[int]:
    if isinstance(expr, Unit):
        return {expr.number}
    return set().union(*(units_of(a) for a in expr.args if not isinstance(a, int)))


def at_most_probability(truths: list[torch.Tensor], k: int) -> torch.Tensor:
    """P(at most k of independent events of probabilities ``truths`` happen), per row."""
    counts = [torch.ones_like(truths[0])] + [torch.zeros_like(truths[0])] * k
    for t in truths:
        counts = [counts[0] * (1 - t)] + [counts[c] * (1 - t) + counts[c - 1] * t for c in range(1, k + 1)]
    return torch.stack(counts).sum(dim=0)


def truth(expr: Expr, p_BH: torch.Tensor) -> torch.Tensor:
    """(b,) truth value of ``expr`` given unit probabilities (b, h)."""
    if isinstance(expr, Unit):
        return p_BH[:, expr.number]
    f = expr.function
    if f in ("at_most", "at_least"):
        k, parts = expr.args[0], [truth(a, p_BH) for a in expr.args[1:]]
        return at_most_probability(parts, k) if f == "at_most" else 1 - at_most_probability(parts, k - 1)
    parts = [truth(a, p_BH) for a in expr.args]
    if f == "not":
        return 1 - parts[0]
    if f == "and":
        return torch.stack(parts).prod(dim=0)
    if f == "or":
        return 1 - (1 - torch.stack(parts)).prod(dim=0)
    if f == "implies":
        return 1 - parts[0] * (1 - parts[1])
    return at_most_probability(parts, 1)
