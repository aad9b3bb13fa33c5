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
]
