from django.urls import path

from . import views

app_name = "parties"
urlpatterns = [
    path("parties.css", views.party_colours_css, name="party-colours"),
    path("audit/", views.AuditLogView.as_view(), name="audit-log"),
    path("audit/export.csv", views.AuditLogExportView.as_view(), name="audit-export"),
]
