from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.health import healthz

# The admin signs in through the site's own sign-in (throttling and two-factor included).
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", include("agreement.urls")),
    path("", include("provisions.urls")),
    path("", include("parties.urls")),
    path("", include("negotiations.urls")),
    path("accounts/", include("parties.account_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("healthz", healthz, name="healthz"),
]

handler400 = "config.api.bad_request"
