"""Rule sets: the list with their rules, switching the active set (scope operate), the log.

The switch is `outages.actions.activate_rule_set`; these views only parse, call it and answer.
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from oms import errors
from oms.pagination import StandardPagination
from outages import actions
from outages.models import CorrelationRule, RuleSet, RuleSetSwitch


class RuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = CorrelationRule
        fields = ["rule_name", "rule_type", "value", "description", "updated_at"]


class RuleSetSerializer(serializers.ModelSerializer):
    rules = RuleSerializer(many=True, read_only=True)

    class Meta:
        model = RuleSet
        fields = ["name", "description", "active", "updated_at", "rules"]


class RuleSetSwitchSerializer(serializers.ModelSerializer):
    class Meta:
        model = RuleSetSwitch
        fields = ["id", "switched_at", "from_set", "to_set", "operator", "note"]


class ActivateSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class RuleSetViewSet(viewsets.ReadOnlyModelViewSet):
    """The rule sets with the values each sets (a set other than `normal` holds only the rules
    it changes); `active` marks the one the engine reads."""

    serializer_class = RuleSetSerializer
    pagination_class = StandardPagination
    lookup_field = "name"
    lookup_value_regex = "[^/]+"
    required_scope = "read"

    def get_queryset(self):
        rules = CorrelationRule.objects.order_by("rule_type", "rule_name")
        return RuleSet.objects.order_by("name").prefetch_related(Prefetch("rules", queryset=rules))

    def get_object(self):
        return get_object_or_404(self.get_queryset(), name__iexact=self.kwargs["name"])

    @extend_schema(
        request=ActivateSerializer,
        responses={
            200: inline_serializer(
                "RuleSetActivated",
                {"rule_set": RuleSetSerializer(), "switch": RuleSetSwitchSerializer()},
            ),
            404: None,
            409: None,
        },
    )
    @action(detail=True, methods=["post"], required_scope="operate")
    def activate(self, request, name=None):
        """Make this set the active one (scope `operate`): logged and pushed live."""
        payload = ActivateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            switch = actions.activate_rule_set(
                name=name, user=request.user, note=payload.validated_data["note"]
            )
        except actions.RuleSetNotFound as exc:
            return errors.refusal(status.HTTP_404_NOT_FOUND, errors.NOT_FOUND, str(exc))
        except actions.RuleSetAlreadyActive as exc:
            return errors.refusal(status.HTTP_409_CONFLICT, errors.CONFLICT, str(exc))
        return Response(
            {
                "rule_set": RuleSetSerializer(self.get_object()).data,
                "switch": RuleSetSwitchSerializer(switch).data,
            }
        )


class RuleSetSwitchViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The log of rule-set switches, newest first."""

    serializer_class = RuleSetSwitchSerializer
    pagination_class = StandardPagination
    required_scope = "read"
    queryset = RuleSetSwitch.objects.order_by("-switched_at", "-id")
