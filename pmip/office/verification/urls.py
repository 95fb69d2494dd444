from django.urls import path

from pmip.office.verification import views

app_name = "office_verification"
urlpatterns = [
    path("offline/", views.offline_search, name="offline"),
    path("offline/<int:pk>/", views.offline_detail, name="offline_detail"),
    path("offline/<int:pk>/evidence/", views.offline_upload, name="offline_upload"),
    path("offline/<int:pk>/approve/", views.offline_approve, name="offline_approve"),
    path("offline/<int:pk>/reject/", views.offline_reject, name="offline_reject"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
    path("houses/", views.house_queue, name="house_queue"),
    path("houses/<int:pk>/", views.house_detail, name="house_detail"),
]
