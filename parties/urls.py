from django.urls import path

from . import views

app_name = "parties"
urlpatterns = [
    path("parties.css", views.party_colours_css, name="party-colours"),
    path("audit/", views.AuditLogView.as_view(), name="audit-log"),
    path("accounts/locked/", views.LockedAccountsView.as_view(), name="locked-accounts"),
    path("audit/export.csv", views.AuditLogExportView.as_view(), name="audit-export"),
    path("accounts/tokens/", views.ApiTokenListView.as_view(), name="api-tokens"),
    path(
        "accounts/tokens/<str:token_key>/revoke/",
        views.ApiTokenRevokeView.as_view(),
        name="api-token-revoke",
    ),
]
