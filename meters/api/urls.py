"""Routes of the meters API (included under /api/)."""

from rest_framework.routers import SimpleRouter

from meters.api.views import MeterViewSet

router = SimpleRouter()
router.register("meters", MeterViewSet, basename="meter")

urlpatterns = router.urls
