"""Admin for the engine's rules: rule sets with their rules inline, switching the active set,
the flat list of every rule, and the read-only log of switches.

`normal` holds every rule the engine reads (outages/defaults.py lists them); stewards change
its values but cannot add or remove its rules. Another set holds only the rules it changes:
stewards add them from the engine's names, change or remove them (a removed rule is read from
`normal` again). Operators make a set active with the admin action, which runs
`outages.actions.activate_rule_set` (logged and pushed live).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count

from oms.admin import ReadOnlyAdmin, SaveChangedFieldsMixin
from outages import actions as outage_actions
from outages.defaults import NORMAL, RULE_KINDS, RULE_NAMES
from outages.models import CorrelationRule, RuleKind, RuleSet, RuleSetSwitch


def check_value(kind: str, value):
    if value is None:
        return value
    if value < 0:
        raise ValidationError("A rule's value cannot be negative.")
    if kind == RuleKind.SOURCE_WEIGHT and value > 1:
        raise ValidationError("A source weight is between 0 and 1.")
    return value


class CorrelationRuleForm(forms.ModelForm):
    class Meta:
        model = CorrelationRule
        fields = ("value", "description")

    def clean_value(self):
        return check_value(self.instance.rule_type, self.cleaned_data["value"])


class SetRuleForm(forms.ModelForm):
    """A rule in a set's inline: a new one is named from the rules the engine reads."""

    rule_name = forms.ChoiceField(choices=[(name, name) for name in sorted(RULE_NAMES)])

    class Meta:
        model = CorrelationRule
        fields = ("rule_name", "value", "description")

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("rule_name") or self.instance.rule_name
        if name:
            self.instance.rule_type = RULE_KINDS.get(name, self.instance.rule_type)
            try:
                check_value(self.instance.rule_type, cleaned.get("value"))
            except ValidationError as error:
                self.add_error("value", error)
        return cleaned


class SetRuleInline(admin.TabularInline):
    model = CorrelationRule
    form = SetRuleForm
    extra = 0
    fields = ("rule_name", "rule_type", "value", "description", "updated_at")
    ordering = ("rule_type", "rule_name")

    def get_readonly_fields(self, request, obj=None):
        fixed = ("rule_type", "updated_at")
        return ("rule_name", *fixed) if obj is not None and obj.name == NORMAL else fixed

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or obj.name != NORMAL)

    def has_delete_permission(self, request, obj=None):
        # A rule removed from `normal` would silently fall back to the built-in default.
        return super().has_delete_permission(request, obj) and (obj is None or obj.name != NORMAL)


@admin.action(description="Make the selected rule set active", permissions=["change"])
def activate_rule_set(modeladmin, request, queryset):
    chosen = list(queryset[:2])
    if len(chosen) != 1:
        modeladmin.message_user(request, "Select exactly one rule set.", level=messages.WARNING)
        return
    try:
        switch = outage_actions.activate_rule_set(
            name=chosen[0].name, user=request.user, note="admin"
        )
    except (outage_actions.RuleSetNotFound, outage_actions.RuleSetAlreadyActive) as exc:
        modeladmin.message_user(request, str(exc), level=messages.WARNING)
        return
    modeladmin.message_user(request, f"Rule set {switch.to_set} is active (was {switch.from_set}).")


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ("name", "active", "rule_count", "description", "updated_at")
    list_filter = ("active",)
    search_fields = ("name", "description", "rules__rule_name")
    search_help_text = "Name or description of the set, or the name of a rule it sets."
    ordering = ("name",)
    inlines = [SetRuleInline]
    actions = [activate_rule_set]
    fields = ("name", "description", "active", "created_at", "updated_at")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(rule_total=Count("rules"))

    def get_readonly_fields(self, request, obj=None):
        # Active is switched by the action (logged, announced); names are what the log says.
        fixed = ("active", "created_at", "updated_at")
        return fixed if obj is None else ("name", *fixed)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (obj.active or obj.name == NORMAL):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # it would not ask whether a set is active
        return actions

    @admin.display(description="rules", ordering="rule_total")
    def rule_count(self, obj):
        return obj.rule_total


@admin.register(CorrelationRule)
class CorrelationRuleAdmin(SaveChangedFieldsMixin, admin.ModelAdmin):
    """Every rule of every set, in one list. The engine reads them by name, so names and kinds
    are fixed; stewards change values (and their notes), and add or remove a set's rules on
    the set's page."""

    form = CorrelationRuleForm
    list_display = ("rule_name", "rule_set", "rule_type", "value", "description", "updated_at")
    list_display_links = ("rule_name",)
    list_editable = ("value",)
    list_filter = ("rule_set", "rule_type")
    list_select_related = ("rule_set",)
    search_fields = ("rule_name", "description")
    ordering = ("rule_set__name", "rule_type", "rule_name")
    readonly_fields = ("rule_name", "rule_set", "rule_type", "updated_at")
    fields = ("rule_name", "rule_set", "rule_type", "value", "description", "updated_at")

    def get_changelist_form(self, request, **kwargs):
        return CorrelationRuleForm

    def has_add_permission(self, request):
        return False  # on the set's page, where the name is chosen from the engine's

    def has_delete_permission(self, request, obj=None):
        # Never from `normal` (the engine would fall back to its built-in default, silently);
        # another set's rules go with the set, or one by one on the set's page.
        if obj is not None and obj.rule_set.name == NORMAL:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(RuleSetSwitch)
class RuleSetSwitchAdmin(ReadOnlyAdmin):
    list_display = ("switched_at", "from_set", "to_set", "operator", "note")
    list_filter = ("to_set",)
    search_fields = ("to_set", "from_set", "operator", "note")
    ordering = ("-switched_at", "-id")
