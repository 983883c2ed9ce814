"""Ledger pages, included at the site root: statements in the supplier and merchant consoles,
and the platform's withdrawal review queue."""

from django.urls import path

from linkmall.ledger.pages import statements, withdrawals

app_name = "ledger"

urlpatterns = [
    path("console/supplier/statement/", statements.supplier_statement, name="supplier_statement"),
    path("console/supplier/statement/withdraw/", statements.supplier_withdraw, name="supplier_statement_withdraw"),
    path("console/merchant/statement/", statements.merchant_statement, name="merchant_statement"),
    path("console/merchant/statement/withdraw/", statements.merchant_withdraw, name="merchant_statement_withdraw"),
    path("ops/withdrawals/", withdrawals.queue, name="ops_withdrawals"),
    path("ops/withdrawals.csv", withdrawals.queue_csv, name="ops_withdrawals_csv"),
    path("ops/withdrawals/<int:pk>/approve/", withdrawals.approve, name="ops_withdrawal_approve"),
    path("ops/withdrawals/<int:pk>/reject/", withdrawals.reject, name="ops_withdrawal_reject"),
]
