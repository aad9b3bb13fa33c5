"""/api/v1/: every app's router, plus token login."""

from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="auth-token"),
    path("", include("parties.api.urls")),
    path("", include("agreement.api.urls")),
    path("", include("provisions.api.urls")),
    path("", include("negotiations.api.urls")),
]
