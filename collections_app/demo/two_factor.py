"""Demo TOTP devices: the seeded supervisors, compliance officer and admin get a confirmed
authenticator with one published key, so `make run` logins stay easy.

The key is RFC 6238's test secret ("12345678901234567890"; base32
GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ): add it to any authenticator app, or run
`python manage.py totp_code supervisor`. It is public, so it exists only in demo data,
and the command refuses every device that does not carry exactly this key.
"""

from django_otp.plugins.otp_totp.models import TOTPDevice

from collections_app.roles import Role

from .staff import demo_logins

DEMO_TOTP_KEY_HEX = "3132333435363738393031323334353637383930"
DEMO_TOTP_KEY_BASE32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
DEMO_DEVICE_NAME = "demo authenticator"
ROLES_WITH_DEVICE = (Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN)


def create_demo_devices() -> int:
    """Give each seeded supervisor, compliance officer and admin the demo device."""
    users = demo_logins().filter(groups__name__in=[r.value for r in ROLES_WITH_DEVICE])
    users = list(users.distinct())
    TOTPDevice.objects.bulk_create(
        TOTPDevice(user=user, name=DEMO_DEVICE_NAME, key=DEMO_TOTP_KEY_HEX, confirmed=True)
        for user in users
    )
    return len(users)


def is_demo_device(device: TOTPDevice) -> bool:
    return device.key == DEMO_TOTP_KEY_HEX
