from django.urls import path

from . import views

app_name = "negotiations"
urlpatterns = [
    path("notifications/", views.NotificationListView.as_view(), name="notification-list"),
    path("notifications/read/", views.NotificationReadView.as_view(), name="notification-read"),
    path("watches/", views.WatchCreateView.as_view(), name="watch-create"),
    path("watches/<int:pk>/stop/", views.WatchDeleteView.as_view(), name="watch-delete"),
]
