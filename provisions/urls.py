from django.urls import path

from . import views

app_name = "provisions"
urlpatterns = [
    path("agreements/<int:pk>/provisions/", views.ProvisionListView.as_view(), name="provision-list"),
    path("provisions/<int:pk>/", views.ProvisionDetailView.as_view(), name="provision-detail"),
    path("provisions/<int:pk>/edit/", views.ProvisionEditView.as_view(), name="provision-edit"),
    path("provisions/<int:pk>/validate/", views.ProvisionValidateView.as_view(), name="provision-validate"),
    path("provisions/<int:pk>/status/", views.ProvisionStatusView.as_view(), name="provision-status"),
    path("provisions/<int:pk>/presence/", views.ProvisionPresenceView.as_view(), name="provision-presence"),
    path("provisions/<int:pk>/history/", views.ProvisionHistoryView.as_view(), name="provision-history"),
    path("provisions/<int:pk>/compare/", views.ProvisionCompareView.as_view(), name="provision-compare"),
]
urlpatterns += [
    path("provisions/<int:pk>/comments/", views.ProvisionCommentView.as_view(), name="provision-comment"),
    path("provisions/<int:pk>/position/", views.ProvisionPositionView.as_view(), name="provision-position"),
    path("provisions/<int:pk>/consent/", views.ProvisionConsentView.as_view(), name="provision-consent"),
]
