"""Routes of the meters API (included under /api/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from meters.api.device_meters import DeviceMetersView
from meters.api.views import MeterViewSet

router = SimpleRouter()
router.register("meters", MeterViewSet, basename="meter")

urlpatterns = [
    path(
        "devices/<str:kind>/<str:code>/meters/",
        DeviceMetersView.as_view(),
        name="device-meters",
    ),
    path(
        "substations/<str:code>/meters/",
        DeviceMetersView.as_view(kind="substation"),
        name="substation-meters",
    ),
    path(
        "feeders/<str:code>/meters/",
        DeviceMetersView.as_view(kind="feeder"),
        name="feeder-meters",
    ),
    path(
        "distribution-points/<str:code>/meters/",
        DeviceMetersView.as_view(kind="dp"),
        name="distribution-point-meters",
    ),
    *router.urls,
]
