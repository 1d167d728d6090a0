"""Routes of the network API (included under /api/)."""

from rest_framework.routers import SimpleRouter

from topology.api.views import DistributionPointViewSet, FeederViewSet, SubstationViewSet

router = SimpleRouter()
router.register("substations", SubstationViewSet, basename="substation")
router.register("feeders", FeederViewSet, basename="feeder")
router.register("distribution-points", DistributionPointViewSet, basename="distribution-point")

urlpatterns = router.urls
