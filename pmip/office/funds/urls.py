"""/office/funds/ — 维修资金 in the back office. There is deliberately no URL that edits or deletes a ledger entry,
a repair share or a bank flow: corrections are reversals."""

from django.urls import path

from pmip.office.funds import views

app_name = "office_funds"
urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.import_entries, name="import"),
    path("reconcile/", views.reconcile_view, name="reconcile"),
    path("<str:code>/", views.project_detail, name="project"),
    path("<str:code>/ledger/", views.ledger, name="ledger"),
    path("<str:code>/entries/<int:entry_id>/reverse/", views.entry_reverse, name="reverse"),
    path("<str:code>/buildings/<int:building_id>/", views.building_detail, name="building"),
    path("<str:code>/units/<int:unit_id>/", views.unit_detail, name="unit"),
    path("<str:code>/flags/", views.flags, name="flags"),
    path("<str:code>/repairs/", views.repair_list, name="repairs"),
    path("<str:code>/repairs/new/", views.repair_new, name="repair_new"),
    path("<str:code>/repairs/<int:repair_id>/", views.repair_detail, name="repair"),
    path("<str:code>/repairs/<int:repair_id>/charge/", views.repair_charge, name="repair_charge"),
    path("<str:code>/repairs/<int:repair_id>/cancel/", views.repair_cancel, name="repair_cancel"),
    path("<str:code>/repairs/<int:repair_id>/edit/", views.repair_edit, name="repair_edit"),
    path("<str:code>/postings/first-deposits/", views.post_first_deposits, name="post_first"),
    path("<str:code>/postings/monthly/", views.post_monthly, name="post_monthly"),
    path("<str:code>/postings/interest/", views.post_interest, name="post_interest"),
    path("<str:code>/accounts/", views.account_list, name="accounts"),
    path("<str:code>/accounts/new/", views.account_open, name="account_open"),
    path("<str:code>/accounts/<int:account_id>/", views.account_detail, name="account"),
    path(
        "<str:code>/accounts/<int:account_id>/statement/", views.account_statement, name="account_statement"
    ),
    path("<str:code>/accounts/<int:account_id>/close/", views.account_close, name="account_close"),
    path("<str:code>/disclosures/", views.disclosure_list, name="disclosures"),
    path("<str:code>/disclosures/new/", views.disclosure_new, name="disclosure_new"),
    path("<str:code>/disclosures/<int:disclosure_id>/", views.disclosure_detail, name="disclosure"),
    path("<str:code>/disclosures/<int:disclosure_id>/edit/", views.disclosure_edit, name="disclosure_edit"),
    path(
        "<str:code>/disclosures/<int:disclosure_id>/publish/",
        views.disclosure_publish,
        name="disclosure_publish",
    ),
    path("<str:code>/reports/", views.report_list, name="reports"),
    path("<str:code>/reports/open/", views.report_open, name="report_open"),
    path("<str:code>/reports/<int:report_id>/", views.report_detail, name="report"),
    path("<str:code>/reports/<int:report_id>/lines/", views.report_line_add, name="report_line_add"),
    path(
        "<str:code>/reports/<int:report_id>/lines/<int:line_id>/remove/",
        views.report_line_remove,
        name="report_line_remove",
    ),
    path("<str:code>/reports/<int:report_id>/publish/", views.report_publish, name="report_publish"),
    path("<str:code>/reports/<int:report_id>/correct/", views.report_correct, name="report_correct"),
    path(
        "<str:code>/reports/<int:report_id>/download.<str:fmt>",
        views.report_download,
        name="report_download",
    ),
]
