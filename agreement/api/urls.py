from rest_framework.routers import SimpleRouter

from .views import AgreementViewSet, ChapterViewSet, ExportJobViewSet, MineralViewSet

router = SimpleRouter()
router.register("agreements", AgreementViewSet, basename="agreement")
router.register("chapters", ChapterViewSet, basename="chapter")
router.register("minerals", MineralViewSet, basename="mineral")
router.register("exports", ExportJobViewSet, basename="export")

urlpatterns = router.urls
