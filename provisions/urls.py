from django.urls import path

from . import views

app_name = "provisions"
urlpatterns = [
    path("provisions/<int:pk>/", views.ProvisionDetailView.as_view(), name="provision-detail"),
]
