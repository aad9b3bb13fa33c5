"""/api/v1/: every app's router. API tokens are made on /accounts/tokens/, not here."""

from django.urls import include, path

urlpatterns = [
    path("", include("parties.api.urls")),
    path("", include("agreement.api.urls")),
    path("", include("provisions.api.urls")),
    path("", include("negotiations.api.urls")),
]
