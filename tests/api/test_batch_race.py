"""Two batches writing the same new keys at the same moment, on PostgreSQL: one writes them,
the other answers 409 (resend: it is idempotent) or, where the upsert serialises on a table
lock (the import kinds), succeeds with them unchanged. Never a 500.

Each batch is a request in a thread of its own, so on a connection of its own. A third
connection holds a SHARE lock on the target table: both requests read freely, then wait to
write; once both wait the lock is released, and they race for the same keys.

Not on SQLite: it has no row or table locks to line the two requests up (one writer locks
the whole database), so the interleaving this test needs cannot be arranged there.
"""

import threading
import time
from datetime import date

import pytest
from django.conf import settings
from django.db import connection, connections
from django.urls import reverse

from collections_app.models import Borrower, Loan, Repayment
from tests import factories as f

from .conftest import make_token, token_client

pytestmark = [
    pytest.mark.usefixtures("restore_roles"),  # transactional_db empties the role groups
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        reason="needs PostgreSQL: SQLite cannot hold two writers between read and write",
    ),
]


def _borrowers(_loan):
    return [
        {"customer_number": f"RACE{n}", "name": "李雷", "national_id": "5301", "mobile": "138"}
        for n in range(3)
    ]


def _repayments(loan):
    return [
        {
            "reference": f"RACE-{n}",
            "loan": loan.account_number,
            "paid_on": "2026-02-01",
            "amount": "10.00",
            "channel": "bank_transfer",
        }
        for n in range(3)
    ]


def _loans(loan):
    return [
        {
            "account_number": f"RACE{n}",
            "customer_number": loan.borrower.customer_number,
            "product": "consumer_loan",
            "principal": "1000.00",
            "annual_rate": "5",
            "disbursed_on": "2026-01-01",
            "maturity_on": "2027-01-01",
        }
        for n in range(3)
    ]


ENDPOINTS = {
    # name: (url name, target model, body, outcomes of the two requests)
    "borrowers": ("ledger_api:borrower_batch", Borrower, _borrowers, [200, 409]),
    "repayments": ("ledger_api:repayment_batch", Repayment, _repayments, [200, 409]),
    "loans": ("ledger_api:loan_batch", Loan, _loans, [200, 200]),
}


def _waiting_on(table: str) -> int:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND NOT granted", [table]
        )
        return cur.fetchone()[0]


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_two_batches_with_the_same_new_keys(transactional_db, endpoint):
    url_name, model, body_for, outcomes = ENDPOINTS[endpoint]
    admin = f.make_user(username="boss", is_staff=True, is_superuser=True)
    loan = f.make_loan(schedule=f.monthly(date(2026, 1, 15), 2, "500.00"))
    f.make_case(borrower=loan.borrower)  # the repayment batch takes loans in its scope
    url, body = reverse(url_name), body_for(loan)
    keys = [make_token(owner=admin, scopes=["ledger:write"])[1] for _ in range(2)]
    before = model.objects.count()
    table = model._meta.db_table

    answers: dict[int, object] = {}

    def send(slot: int) -> None:
        try:
            answers[slot] = token_client(keys[slot]).post(
                url, body, content_type="application/json"
            )
        except Exception as exc:  # a 500 is raised by the test client: keep it to report
            answers[slot] = exc
        finally:
            connections.close_all()  # this thread's connection

    blocker = connections.create_connection("default")
    blocker.set_autocommit(False)
    try:
        with blocker.cursor() as cur:
            cur.execute(f"LOCK TABLE {connection.ops.quote_name(table)} IN SHARE MODE")
        threads = [threading.Thread(target=send, args=(slot,)) for slot in range(2)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30  # a guard against a hang, not a speed check
        while _waiting_on(table) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting_on(table) == 2, answers
    finally:
        blocker.rollback()  # release: the two batches race now
        blocker.close()
    for thread in threads:
        thread.join(timeout=60)

    assert all(not isinstance(a, Exception) for a in answers.values()), answers
    codes = sorted(a.status_code for a in answers.values())
    assert codes == outcomes, [a.json() for a in answers.values()]
    replies = sorted((a.json() for a in answers.values()), key=lambda r: r.get("created", 0))
    if outcomes[1] == 409:
        assert replies[0]["field"] == "request" and "send it again" in replies[0]["error"]
        assert replies[1] == {"created": 3, "updated": 0, "unchanged": 0}
    else:
        assert replies == [
            {"created": 0, "updated": 0, "unchanged": 3},
            {"created": 3, "updated": 0, "unchanged": 0},
        ]
    assert model.objects.count() == before + 3
    # Sending the batch again is safe: nothing changes.
    again = token_client(keys[0]).post(url, body, content_type="application/json")
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 3}
