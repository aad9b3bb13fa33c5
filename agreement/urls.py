from django.urls import path

from . import views

app_name = "agreement"
urlpatterns = [
    path("", views.AgreementListView.as_view(), name="agreement-list"),
    path("agreements/<int:pk>/", views.AgreementDetailView.as_view(), name="agreement-detail"),
    path("agreements/<int:pk>/compare/", views.AgreementCompareView.as_view(), name="agreement-compare"),
    path("agreements/<int:pk>/minerals/", views.MineralListView.as_view(), name="mineral-list"),
    path("agreements/<int:pk>/export/", views.ExportView.as_view(), name="export"),
    path("exports/<int:pk>/", views.ExportDetailView.as_view(), name="export-detail"),
]
