from django import template

from community_rules.rule_types import describe

register = template.Library()


@register.filter
def rule_text(rule) -> str:
    """A rule in plain words, in the page's language."""
    return describe(rule.type, rule.params)
