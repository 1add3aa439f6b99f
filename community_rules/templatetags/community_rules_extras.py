from django import template

from community_rules.rule_types import REGISTRY, describe

register = template.Library()


@register.filter
def rule_text(rule) -> str:
    """A rule in plain words, in the page's language."""
    return describe(rule.type, rule.params)


@register.filter
def rule_label(rule_type: str) -> str:
    """A rule type's name as people read it; an unknown one as it is."""
    known = REGISTRY.get(rule_type)
    return known.label if known else rule_type
