from django.urls import path

from visits.views import notices

urlpatterns = [
    path("notices/", notices.notice_list, name="notice_list"),
    path("notices/<uuid:public_id>/letter/", notices.notice_letter, name="notice_letter"),
    path("notices/receipts/sms/", notices.sms_receipt, name="sms_receipt"),
]
