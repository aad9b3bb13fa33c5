from rest_framework.routers import SimpleRouter

from .views import ProvisionViewSet

router = SimpleRouter()
router.register("provisions", ProvisionViewSet, basename="provision")
urlpatterns = router.urls
