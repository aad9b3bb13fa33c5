from rest_framework.routers import SimpleRouter

from .views import AgreementViewSet, ChapterViewSet, MineralViewSet

router = SimpleRouter()
router.register("agreements", AgreementViewSet, basename="agreement")
router.register("chapters", ChapterViewSet, basename="chapter")
router.register("minerals", MineralViewSet, basename="mineral")
urlpatterns = router.urls
