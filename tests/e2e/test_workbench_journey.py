"""The compliance officer's workbench in a real browser (issue 6): open the flag a visit
report raised, review the visit's evidence, resolve the flag as a confirmed breach with a
corrective action, and download the visit's evidence pack."""

import io
import re
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from compliance.facts import VisitPlan
from compliance.models import Flag
from tests import factories as f
from tests.visits.conftest import NOW, START
from tests.visits.files import jpeg
from visits.models import Notice
from visits.services.booking import VisitPlace, visit_book
from visits.services.evidence import evidence_add
from visits.services.execution import Position, visit_check_out, visit_start
from visits.services.reports import report_save, report_submit

PASSWORD = "officer-pw-for-e2e-2026"
AT_HOME = Position(lat=Decimal("25.043100"), lng=Decimal("102.704100"), accuracy_m=15)


@pytest.fixture
def flagged(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    team = f.make_team(name="五华一组")
    collector = f.credentialed(f.make_user(role="collector", team=team, username="c.li"))
    partner = f.credentialed(f.make_user(role="collector", team=team, username="c.wang"))
    officer = f.make_user(role="compliance", username="officer.zhao", first_name="Zhao")
    officer.set_password(PASSWORD)
    officer.save()
    borrower = f.make_borrower(customer_number="E2E-FLAG", name="王小明")
    address = f.make_address(borrower=borrower)
    case = f.make_case(borrower=borrower, assigned_collector=collector, team=team)
    plan = VisitPlan(
        case=case,
        start=START,
        end=START + timedelta(hours=1),
        location_type="home",
        purpose=f.VISIT_PURPOSE,
        recorder=True,
        collector_ids=(collector.pk, partner.pk),
    )
    visit = visit_book(plan=plan, place=VisitPlace(address=address), by=collector, now=NOW).visit
    Notice.objects.filter(visit=visit).update(status="delivered", sent_at=NOW, delivered_at=NOW)
    visit_start(visit=visit, by=collector, now=START, position=AT_HOME)
    visit.refresh_from_db()
    photo = SimpleUploadedFile("door.jpg", jpeg(), content_type="image/jpeg")
    evidence_add(visit=visit, upload=photo, by=collector, now=START + timedelta(minutes=10))
    visit_check_out(visit=visit, by=collector, now=START + timedelta(minutes=45), position=AT_HOME)
    report_save(
        visit=visit,
        by=collector,
        fields={
            "outcome": "refused",
            "id_shown": True,
            "institution_named": True,
            "purpose_stated": True,
            "notes": "再不还钱就让警察抓你",
        },
        present=[collector, partner],
    )
    report_submit(visit=visit, by=collector, now=START + timedelta(hours=1))
    flag = Flag.objects.get(visit=visit, rule="PROHIBITED_CONDUCT")
    return flag, officer


@pytest.mark.e2e
def test_officer_resolves_a_flag_and_downloads_the_evidence_pack(
    flagged, live_server, page, artifacts
):
    flag, officer = flagged
    page.set_viewport_size({"width": 1280, "height": 900})  # officers work at a desk
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(officer.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # The queue, then the flag.
    page.get_by_test_id("nav-flags").click()
    page.get_by_role("link", name=re.compile("PROHIBITED_CONDUCT")).first.click()
    expect(page.get_by_test_id("flag-rule")).to_have_text("PROHIBITED_CONDUCT")
    expect(page.get_by_test_id("flag-summary")).to_contain_text("警察")

    # The evidence: the photo loads through the permission-checked view.
    photo = page.get_by_test_id("evidence-item").first
    expect(photo).to_have_attribute("data-kind", "photo")
    image = photo.locator("img")
    expect(image).to_be_visible()
    assert page.evaluate("el => el.naturalWidth", image.element_handle()) > 0
    page.screenshot(path=str(artifacts / "flag-detail.png"), full_page=True)

    # Investigate, then resolve as a confirmed breach with a corrective action.
    page.get_by_test_id("investigate").click()
    page.get_by_label("Disposition").select_option("confirmed_breach")
    page.get_by_label("Root cause").fill("Collector threatened police action at the door.")
    page.get_by_label("Corrective action").fill("Suspended from field work; retraining booked.")
    page.get_by_test_id("resolve").click()
    expect(page.get_by_test_id("flag-disposition")).to_have_attribute(
        "data-disposition", "confirmed_breach"
    )
    expect(page.get_by_test_id("flag-corrective-action")).to_contain_text("retraining")
    flag.refresh_from_db()
    assert (flag.status, flag.resolved_at is not None) == ("resolved", True)

    # The visit's evidence pack: built in the background, then downloaded.
    page.goto(f"{live_server.url}/visits/{flag.visit.public_id}/")
    page.get_by_test_id("evidence-pack-button").get_by_role("button").click()
    expect(page.get_by_test_id("pack-status")).to_have_attribute("data-status", "done")
    with page.expect_download() as download_info:
        page.get_by_test_id("pack-download").click()
    data = download_info.value.path().read_bytes()
    page.screenshot(path=str(artifacts / "evidence-pack.png"), full_page=True)
    with zipfile.ZipFile(io.BytesIO(data)) as pack:
        names = pack.namelist()
        assert "timeline.html" in names and "MANIFEST.sha256" in names
        assert any(name.startswith("evidence/") for name in names)
        assert "PROHIBITED_CONDUCT" in pack.read("timeline.html").decode()
