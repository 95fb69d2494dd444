from django.apps import AppConfig


class EnquiriesConfig(AppConfig):
    name = "pmip.enquiries"
    label = "enquiries"
    verbose_name = "互动交流与政民互动"
