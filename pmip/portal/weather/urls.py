from django.urls import path

from pmip.portal.weather import views

app_name = "portal_weather"
urlpatterns = [
    path("", views.index, name="index"),
    path("subscribe/", views.subscribe, name="subscribe"),
]
