"""业主决策 owner pages, mounted at /decisions/."""

from django.urls import path

from pmip.portal.decisions import views

app_name = "portal_decisions"
urlpatterns = [
    path("", views.home, name="home"),
    path("switch/", views.switch, name="switch"),
    path("nominate/", views.nominate, name="nominate"),
    path("votes/", views.votes, name="votes"),
    path("agreement/", views.agreement, name="agreement"),
    path("how-to-check/", views.how_to_check, name="how_to_check"),
    path("meetings/<int:meeting_id>/", views.meeting, name="meeting"),
    path("meetings/<int:meeting_id>/publicity/", views.publicity, name="publicity"),
    path("meetings/<int:meeting_id>/voters/", views.voters, name="voters"),
    path("meetings/<int:meeting_id>/results/", views.results, name="results"),
    path("meetings/<int:meeting_id>/bulletin/", views.bulletin, name="bulletin"),
    path("matters/<int:matter_id>/", views.matter, name="matter"),
    path("matters/<int:matter_id>/confirm/", views.confirm, name="confirm"),
    path("matters/<int:matter_id>/cast/", views.cast, name="cast"),
    path("matters/<int:matter_id>/receipt/<int:unit_id>/", views.receipt, name="receipt"),
    path("files/<int:file_id>/", views.publicity_file, name="file"),
]
