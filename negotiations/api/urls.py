from rest_framework.routers import SimpleRouter

from .views import (
    ActionItemViewSet,
    CommentViewSet,
    NotificationViewSet,
    PositionViewSet,
    ProposalViewSet,
    ResolutionViewSet,
    RoundViewSet,
    WatchViewSet,
)

router = SimpleRouter()
router.register("rounds", RoundViewSet, basename="round")
router.register("positions", PositionViewSet, basename="position")
router.register("comments", CommentViewSet, basename="comment")
router.register("action-items", ActionItemViewSet, basename="action-item")
router.register("watches", WatchViewSet, basename="watch")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("resolutions", ResolutionViewSet, basename="resolution")
router.register("proposals", ProposalViewSet, basename="proposal")
urlpatterns = router.urls
