"""Routes of the network API (included under /api/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from topology.api.devices import DeviceDetailView, DeviceListView
from topology.api.lines import LineList
from topology.api.views import DistributionPointViewSet, FeederViewSet, SubstationViewSet

router = SimpleRouter()
router.register("substations", SubstationViewSet, basename="substation")
router.register("feeders", FeederViewSet, basename="feeder")
router.register("distribution-points", DistributionPointViewSet, basename="distribution-point")

urlpatterns = [
    path("devices/", DeviceListView.as_view(), name="device-list"),
    path("devices/<str:kind>/<str:code>/", DeviceDetailView.as_view(), name="device-detail"),
    *router.urls,
    path("network/lines/", LineList.as_view(), name="network-lines"),
]
