from django.urls import path

from . import views

app_name = "provisions"
urlpatterns = [
    path("agreements/<int:pk>/provisions/", views.ProvisionListView.as_view(), name="provision-list"),

    path("provisions/<int:pk>/", views.ProvisionDetailView.as_view(), name="provision-detail"),
    path("provisions/<int:pk>/edit/", views.ProvisionEditView.as_view(), name="provision-edit"),
    path(
        "provisions/<int:pk>/history/",
        views.ProvisionHistoryView.as_view(),
        name="provision-history",
    ),
    path(
        "provisions/<int:pk>/compare/",
        views.ProvisionCompareView.as_view(),
        name="provision-compare",
    ),
]
