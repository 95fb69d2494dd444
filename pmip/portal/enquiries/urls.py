from django.urls import path

from pmip.portal.enquiries import views

app_name = "portal_enquiries"
urlpatterns = [
    path("<int:enquiry_id>/", views.detail, name="detail"),
    path("<int:enquiry_id>/<str:action>/", views.act, name="act"),
    path("images/<int:image_id>/", views.image, name="image"),
    path("answers/", views.answers, name="answers"),
    path("<str:channel>/", views.index, name="index"),
    path("<str:channel>/new/", views.new, name="new"),
]
