from django.contrib.auth.views import LoginView
from django.urls import include, path

from .views import person, redirect_uri

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("people/<str:username>", person),
    path("clients/<str:client_id>/redirect-uris", redirect_uri),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
