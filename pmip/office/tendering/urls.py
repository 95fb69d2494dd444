from django.urls import path

from pmip.office.tendering import views

app_name = "office_tendering"
urlpatterns = [
    path("", views.tender_list, name="list"),
    path("new/", views.tender_create, name="create"),
    path("<int:pk>/", views.tender_detail, name="detail"),
    path("<int:pk>/steps/", views.record_step, name="record_step"),
    path("<int:pk>/corrections/", views.correct_step, name="correct_step"),
    path("<int:pk>/bidders/", views.add_bidder, name="add_bidder"),
    path("<int:pk>/documents/", views.upload_document, name="upload_document"),
    path("files/<int:document_id>/", views.document, name="document"),
]
