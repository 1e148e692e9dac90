"""Demo accounts for `make demo` only: never run this on a real deployment."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from layers.models import Municipality, Role

DEMO_PASSWORD = "osaka-demo-2026"  # noqa: S105 - printed for the local demo only
DEMO_ACCOUNTS = (
    # username, role, municipality code, superuser
    ("demo", Role.Name.PREFECTURE_ADMIN, None, True),
    ("suita-editor", Role.Name.DATA_EDITOR, "27205", False),
    ("suita-bousai", Role.Name.DISASTER_STAFF, "27205", False),
)


class Command(BaseCommand):
    help = "Create the demo logins (prefecture admin, Suita data editor, Suita disaster staff) and print them."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo logins are for development only (DEBUG is off).")
        User = get_user_model()
        for username, role, code, superuser in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(username=username)
            user.is_staff = True
            user.is_superuser = superuser
            user.set_password(DEMO_PASSWORD)
            user.save()
            municipality = Municipality.objects.get(code=code) if code else None
            Role.objects.get_or_create(user=user, name=role, municipality=municipality)
        self.stdout.write(
            self.style.SUCCESS(
                "\nDemo is ready: http://127.0.0.1:8000/\n"
                f"Admin: http://127.0.0.1:8000/admin/  user: demo  password: {DEMO_PASSWORD}\n"
                f"(also suita-editor and suita-bousai, same password)\n"
            )
        )
