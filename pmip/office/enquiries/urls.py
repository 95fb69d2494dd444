from django.urls import path

from pmip.office.enquiries import views

app_name = "office_enquiries"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<str:action>/", views.act, name="act"),
    path("images/<int:image_id>/", views.image, name="image"),
]
