"""REST API of the ledger under /api/v1/ (issue 7 item 4): borrowers, loans, installments,
repayments and cases in the caller's scope, masked as on the pages; batch upsert of
repayments for integrations; case assignment."""
