from rest_framework.routers import SimpleRouter

from .views import ActionItemViewSet, CommentViewSet, PositionViewSet, RoundViewSet

router = SimpleRouter()
router.register("rounds", RoundViewSet, basename="round")
router.register("positions", PositionViewSet, basename="position")
router.register("comments", CommentViewSet, basename="comment")
router.register("action-items", ActionItemViewSet, basename="action-item")
urlpatterns = router.urls
