import dataclasses

import torch

from constrae.constraints.base import Constraint, constraints
from constrae.discrete.logic import RuleError, parse_rule, truth, units_of
from constrae.errors import ConfigError
from constrae.io.mappings import require

_EPS = 1e-6


@constraints.register("logic_rules")
@dataclasses.dataclass(eq=False, repr=False)
class LogicRules(Constraint):
    """Omega = lam * mean_b sum_r -log(t_r(p_b) + eps), eps = 1e-6: the negative log truth of each
    rule r under product fuzzy logic (``constrae.discrete.logic``) of the units' "on"
    probabilities p = activation.unit_probabilities(a) (sigmoid(a), or sigmoid((a - theta)/T)
    for binary units). For cardinality rules (at_most, at_least, exclusive) of distinct units
    t_r is the exact probability under independent units, so the term is the semantic loss.
    ``metrics`` checks the rules exactly on the binarised codes (p >= 0.5, i.e. a >= theta):
    ``violation_rate`` is the fraction of samples breaking at least one rule.

    Rules are strings such as "implies(u3, u5)", "at_most(2, motor)"; ``groups`` names lists
    of unit indices, e.g. {motor: [0, 1, 2, 3]}.
    """

    rules: list[str] = dataclasses.field(default_factory=lambda: ["exclusive(u0, u1)"])
    groups: dict = dataclasses.field(default_factory=dict)
    lam: float = 1.0

    def validate(self) -> None:
        require(self.lam >= 0, "logic_rules.lam", f"must be >= 0, got {self.lam}")
        require(len(self.rules) > 0, "logic_rules.rules", "must name at least one rule")
        for name, members in self.groups.items():
            require(
                isinstance(members, list) and bool(members) and all(isinstance(j, int) and j >= 0 for j in members),
                f"logic_rules.groups.{name}",
                f"must be a non-empty list of unit indices >= 0, got {members!r}",
            )
            require(len(set(members)) == len(members), f"logic_rules.groups.{name}", f"repeats a unit: {members}")
        self.expressions = [
            parse_rule(rule, self.groups, f"logic_rules.rules[{i}]") for i, rule in enumerate(self.rules)
        ]

    def attach(self, model) -> None:
        hidden = model.config.hidden_size
        if model.activation.unit_probabilities(torch.zeros(1, hidden)) is None:
            raise ConfigError(
                f"logic_rules needs units that read as on/off; activation {model.config.activation!r} "
                "has no unit probabilities; allowed: sigmoid, binary"
            )
        for name, members in self.groups.items():
            if len(members) > hidden:
                raise RuleError(f"logic_rules.groups.{name}: {len(members)} units, the code has only {hidden}")
        for i, expr in enumerate(self.expressions):
            beyond = sorted(j for j in units_of(expr) if j >= hidden)
            if beyond:
                raise RuleError(
                    f"logic_rules.rules[{i}] {self.rules[i]!r}: unit u{beyond[0]} does not exist; "
                    f"the code has units u0..u{hidden - 1}"
                )

    def truths(self, model, pre_BH: torch.Tensor, binarize: bool) -> torch.Tensor:
        """(rules, b) truth values; exact Booleans (0/1) when ``binarize``."""
        p_BH = model.activation.unit_probabilities(pre_BH)
        if binarize:
            p_BH = (p_BH >= 0.5).to(p_BH.dtype)
        return torch.stack([truth(expr, p_BH) for expr in self.expressions])

    def penalty(self, model, out):
        truths_RB = self.truths(model, out.pre_activations_BH, binarize=False)
        return self.lam * (-torch.log(truths_RB + _EPS)).sum(dim=0).mean()

    @torch.no_grad()
    def metrics(self, model, out):
        violated_RB = self.truths(model, out.pre_activations_BH, binarize=True) < 0.5
        return {"violation_rate": float(violated_RB.any(dim=0).float().mean())}
