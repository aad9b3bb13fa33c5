from django.urls import path

from . import views

app_name = "parties"
urlpatterns = [path("parties.css", views.party_colours_css, name="party-colours")]
