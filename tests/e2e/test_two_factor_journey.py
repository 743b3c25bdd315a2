"""A supervisor logs in with password and a TOTP code in a real browser, under the real
Content-Security-Policy: the browser reports no blocked script or style on the way."""

import re

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests import factories as f

PASSWORD = "demo-supervisor-pw-2026"


@pytest.fixture
def supervisor_with_phone(transactional_db, settings):
    settings.FIELDVISIT_2FA_ENABLED = True
    settings.FIELDVISIT_2FA_REQUIRED_ROLES = ["supervisor", "compliance", "admin"]
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wrong code's delay: see test_two_factor.py
    team = f.make_team(name="五华一组")
    user = f.make_user(role="supervisor", username="demo.supervisor", first_name="Lan")
    user.set_password(PASSWORD)
    user.save()
    team.supervisor = user
    team.save()
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user, device


def current_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


@pytest.mark.e2e
def test_supervisor_logs_in_with_a_one_time_code(page, live_server, supervisor_with_phone):
    user, device = supervisor_with_phone
    blocked = []
    page.on(
        "console",
        lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # The password alone leads to the code step, and nowhere else.
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/"))
    page.goto(f"{live_server.url}/dashboard/")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/\?next=%2Fdashboard%2F"))

    page.get_by_label("Code from your authenticator app").fill("000000")
    if current_code(device) == "000000":  # one chance in a million
        page.get_by_label("Code from your authenticator app").fill("111111")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()

    page.get_by_label("Code from your authenticator app").fill(current_code(device))
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_test_id("whoami")).to_contain_text("Supervisor")
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Team worklist")).to_be_visible()
    # Bootstrap's script runs under the policy: the phone menu opens.
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_test_id("whoami")).to_be_visible()
    assert blocked == []
