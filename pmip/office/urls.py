from django.urls import path

from pmip.office import views

app_name = "office"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
