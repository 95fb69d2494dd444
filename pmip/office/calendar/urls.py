from django.urls import path

from pmip.office.calendar import views

app_name = "office_calendar"
urlpatterns = [
    path("", views.calendar_index, name="index"),
    path("edit/", views.calendar_edit, name="edit"),
    path("<int:year>/", views.calendar_year, name="year"),
]
