"""Routes of the outages API (included under /api/)."""

from rest_framework.routers import SimpleRouter

from outages.api.views import OutageViewSet

router = SimpleRouter()
router.register("outages", OutageViewSet, basename="outage")

urlpatterns = router.urls
