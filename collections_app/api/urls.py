"""The ledger API under /api/v1/ (namespace "ledger_api")."""

from django.urls import path

from . import views

app_name = "ledger_api"

urlpatterns = [
    path("borrowers/", views.BorrowerList.as_view(), name="borrowers"),
    path("borrowers/batch/", views.BorrowerBatch.as_view(), name="borrower_batch"),
    path("borrowers/<uuid:public_id>/", views.BorrowerDetail.as_view(), name="borrower_detail"),
    path("loans/", views.LoanList.as_view(), name="loans"),
    path("loans/batch/", views.LoanBatch.as_view(), name="loan_batch"),
    path("loans/<uuid:public_id>/", views.LoanDetail.as_view(), name="loan_detail"),
    path("installments/", views.InstallmentList.as_view(), name="installments"),
    path("installments/batch/", views.InstallmentBatch.as_view(), name="installment_batch"),
    path("repayments/", views.RepaymentList.as_view(), name="repayments"),
    path("repayments/batch/", views.RepaymentBatch.as_view(), name="repayment_batch"),
    path("cases/", views.CaseList.as_view(), name="cases"),
    path("cases/<uuid:public_id>/", views.CaseDetail.as_view(), name="case_detail"),
    path("cases/<uuid:public_id>/assign/", views.CaseAssign.as_view(), name="case_assign"),
]
