"""Routes of the outages API (included under /api/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from outages.api.lifecycle import OutageTransitionView, ReliabilityView
from outages.api.rules import RuleSetSwitchViewSet, RuleSetViewSet
from outages.api.switching import DeviceOperateView, SwitchingLogViewSet
from outages.api.views import OutageViewSet

router = SimpleRouter()
router.register("outages", OutageViewSet, basename="outage")
router.register("switching", SwitchingLogViewSet, basename="switching")
router.register("rule-sets", RuleSetViewSet, basename="rule-set")
router.register("rule-set-switches", RuleSetSwitchViewSet, basename="rule-set-switch")

urlpatterns = [
    path(
        "outages/<str:event_id>/transition/",
        OutageTransitionView.as_view(),
        name="outage-transition",
    ),
    path("reliability/", ReliabilityView.as_view(), name="reliability"),
    path(
        "devices/<str:kind>/<str:code>/operate/",
        DeviceOperateView.as_view(),
        name="device-operate",
    ),
    *router.urls,
]
