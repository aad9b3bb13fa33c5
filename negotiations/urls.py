from django.urls import path

from . import views

app_name = "negotiations"
urlpatterns = [
    path("agreements/<int:pk>/rounds/", views.RoundListView.as_view(), name="round-list"),
    path("rounds/<int:pk>/", views.RoundDetailView.as_view(), name="round-detail"),
    path(
        "agreements/<int:pk>/action-items/",
        views.ActionItemListView.as_view(),
        name="action-item-list",
    ),
    path("action-items/<int:pk>/done/", views.ActionItemDoneView.as_view(), name="action-item-done"),
    path("notifications/", views.NotificationListView.as_view(), name="notification-list"),
    path("notifications/read/", views.NotificationReadView.as_view(), name="notification-read"),
    path("watches/", views.WatchCreateView.as_view(), name="watch-create"),
    path("watches/<int:pk>/stop/", views.WatchDeleteView.as_view(), name="watch-delete"),
    path(
        "provisions/<int:pk>/resolutions/new/",
        views.ResolutionProposeView.as_view(),
        name="resolution-propose",
    ),
    path("resolutions/<int:pk>/consent/", views.ResolutionConsentView.as_view(), name="resolution-consent"),
    path("resolutions/<int:pk>/decline/", views.ResolutionDeclineView.as_view(), name="resolution-decline"),
    path(
        "resolutions/<int:pk>/withdraw/",
        views.ResolutionWithdrawView.as_view(),
        name="resolution-withdraw",
    ),
]
urlpatterns += [
    path("provisions/<int:pk>/propose/", views.ProposalCreateView.as_view(), name="proposal-create"),
    path("agreements/<int:pk>/proposals/", views.ProposalListView.as_view(), name="proposal-list"),
    path("proposals/<int:pk>/", views.ProposalDetailView.as_view(), name="proposal-detail"),
    path("proposals/<int:pk>/edit/", views.ProposalEditView.as_view(), name="proposal-edit"),
    # One form post per step: table, incorporate, accept, reject, withdraw.
    *(
        path(f"proposals/<int:pk>/{s}/", views.ProposalStepView.as_view(step=s), name=f"proposal-{s}")
        for s in ("table", "incorporate", "accept", "reject", "withdraw")
    ),
]
