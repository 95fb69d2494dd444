from django.urls import path

from pmip.office.jobs import views

app_name = "office_jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("registry-import/", views.registry_import, name="registry_import"),
    path("<int:job_id>/", views.job_detail, name="detail"),
]
