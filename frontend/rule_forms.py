"""The rule and proposal forms, drawn from the rule-type registry.

The form is a select of the rule type, then one fieldset per type with a
field per setting, named `params-<type>-<setting>`. Without JavaScript
every fieldset shows and only the chosen type's fields are read; a small
script shows the chosen type's fieldset only. The rule's own check
(rule_types.clean_rule) says what is wrong, so nothing here validates.
"""

from community_rules.rule_types import BOOL, CATEGORIES, CATEGORY, INT, REGISTRY
from listings.models import Category


def field_name(rule_type: str, param: str) -> str:
    return f"params-{rule_type}-{param}"


def _category_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    return [(top.name, [(top.slug, top.name)] + [(c.slug, c.name) for c in top.children.all()])
            for top in Category.objects.filter(parent__isnull=True).prefetch_related("children")]


def rule_type_forms(values=None) -> list[dict]:
    """Every rule type with its label and its fields, as the template draws
    them: name, id, kind, label, bounds, optional, for categories the
    choices grouped under their top category, and what was typed (`values`,
    the posted form shown again after a refusal)."""
    values = values or {}
    groups = None
    forms = []
    for rule_type in REGISTRY.values():
        fields = []
        for param in rule_type.params:
            if param.kind in (CATEGORY, CATEGORIES) and groups is None:
                groups = _category_groups()
            name = field_name(rule_type.name, param.name)
            typed = values.getlist(name) if hasattr(values, "getlist") else []
            fields.append({
                "name": name, "id": name, "testid": f"param-{rule_type.name}-{param.name}",
                "kind": param.kind, "label": param.label, "min": param.min, "max": param.max,
                "optional": param.optional,
                "groups": groups if param.kind in (CATEGORY, CATEGORIES) else None,
                "value": typed[-1] if typed else "", "chosen": typed,
            })
        forms.append({"name": rule_type.name, "label": rule_type.label, "fields": fields,
                      "chosen": values.get("type") == rule_type.name})
    return forms


def params_from(post, rule_type: str) -> dict:
    """The chosen type's settings from the posted form. Empty fields stay
    out (the rule says if one was needed); a number that is not one is
    passed on as typed, for the rule's check to explain."""
    known = REGISTRY.get(rule_type)
    if known is None:
        return {}
    params = {}
    for param in known.params:
        name = field_name(rule_type, param.name)
        if param.kind == CATEGORIES:
            chosen = [slug for slug in post.getlist(name) if slug]
            if chosen:
                params[param.name] = chosen
            continue
        raw = post.get(name, "").strip()
        if raw == "":
            continue
        if param.kind == BOOL:
            params[param.name] = raw in ("on", "true", "1")
        elif param.kind == INT:
            try:
                params[param.name] = int(raw)
            except ValueError:
                params[param.name] = raw
        else:
            params[param.name] = raw
    return params
