"""The Django admin never shows a user's TOTP secret, not even to an administrator."""

from django_otp.plugins.otp_totp.models import TOTPDevice


def test_the_admin_never_shows_a_second_factor_secret(admin_user, client):
    device = TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    client.force_login(admin_user)
    # A device that does not exist answers the same, not a server error.
    for pk in (device.pk, device.pk + 1000):
        for view in ("config", "qrcode"):
            assert client.get(f"/admin/otp_totp/totpdevice/{pk}/{view}/").status_code == 403
    page = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert page.status_code == 200 and device.key not in page.content.decode()
