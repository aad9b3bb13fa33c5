"""/api/v1/: every app's router, plus token login."""

from django.urls import include, path

from parties.auth import ThrottledObtainAuthToken

urlpatterns = [
    path("auth/token/", ThrottledObtainAuthToken.as_view(), name="auth-token"),

    path("", include("parties.api.urls")),
    path("", include("agreement.api.urls")),
    path("", include("provisions.api.urls")),
    path("", include("negotiations.api.urls")),
]
