from django.urls import path

from pmip.portal.tendering import views

app_name = "portal_tendering"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:tender_id>/", views.detail, name="detail"),
    path("files/<int:document_id>/", views.document, name="document"),
]
