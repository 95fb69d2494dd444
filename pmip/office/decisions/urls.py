from django.urls import path

from pmip.office.decisions import views

app_name = "office_decisions"
urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_create, name="create"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("<int:pk>/matters/new/", views.matter_add, name="matter_add"),
    path("<int:pk>/matters/<int:matter_id>/edit/", views.matter_edit, name="matter_edit"),
    path("<int:pk>/matters/<int:matter_id>/remove/", views.matter_remove, name="matter_remove"),
    path("<int:pk>/files/new/", views.file_upload, name="file_upload"),
    path("files/<int:file_id>/", views.file_download, name="file"),
    path("<int:pk>/notice/", views.publish_notice, name="notice"),
    path("<int:pk>/open/", views.open_voting, name="open"),
    path("<int:pk>/close/", views.close_voting, name="close"),
    path("<int:pk>/cancel/", views.cancel_meeting, name="cancel"),
    path("<int:pk>/turnout/", views.turnout, name="turnout"),
    path("<int:pk>/paper/", views.paper_ballots, name="paper"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/results/publish/", views.publish_results, name="publish"),
    path("<int:pk>/export/", views.export_meeting, name="export"),
    path("<int:pk>/export/matters/<int:matter_id>/", views.export_matter, name="export_matter"),
    path("<int:pk>/bulletin/", views.bulletin, name="bulletin"),
    path("<int:pk>/roll/", views.roll, name="roll"),
    path("<int:pk>/audit/", views.audit_trail, name="audit"),
]
