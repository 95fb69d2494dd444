from django.urls import path

from pmip.office.weather import views

app_name = "office_weather"
urlpatterns = [
    path("", views.task_list, name="list"),
    path("<int:pk>/done/", views.task_done, name="done"),
]
