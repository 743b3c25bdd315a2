"""Print the current one-time code of a demo account's authenticator (demo key only)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from collections_app.demo.two_factor import is_demo_device


class Command(BaseCommand):
    help = (
        "Print the current TOTP code of a demo login (seeded by seed_demo). Refuses any "
        "device that does not use the published demo key."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
        if device is None:
            raise CommandError(f"{username} has no authenticator device.")
        if not is_demo_device(device):
            raise CommandError(
                f"{username}'s device is not a demo device: its codes come only from its app."
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
