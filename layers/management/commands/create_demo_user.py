"""Demo accounts for `make demo` only: never run this on a real deployment."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from layers.models import Municipality, Role, Ward

DEMO_PASSWORD = "osaka-demo-2026"  # noqa: S105 - printed for the local demo only
DEMO_ACCOUNTS = (
    # username, role, municipality code, superuser, ward code (a ward office's staff)
    ("demo", Role.Name.PREFECTURE_ADMIN, None, True, None),
    ("suita-editor", Role.Name.DATA_EDITOR, "27205", False, None),
    ("suita-bousai", Role.Name.DISASTER_STAFF, "27205", False, None),
    ("osaka-kita-bousai", Role.Name.DISASTER_STAFF, "27100", False, "27127"),
)


class Command(BaseCommand):
    help = "Create the demo logins (prefecture admin, Suita data editor, Suita disaster staff) and print them."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo logins are for development only (DEBUG is off).")
        User = get_user_model()
        for username, role, code, superuser, ward_code in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(username=username)
            user.is_staff = True
            user.is_superuser = superuser
            user.set_password(DEMO_PASSWORD)
            user.save()
            municipality = Municipality.objects.get(code=code) if code else None
            ward = Ward.objects.get(code=ward_code) if ward_code else None
            Role.objects.get_or_create(user=user, name=role, municipality=municipality, ward=ward)
        self.stdout.write(
            self.style.SUCCESS(
                "\nDemo is ready: http://127.0.0.1:8000/\n"
                f"Admin: http://127.0.0.1:8000/admin/  user: demo  password: {DEMO_PASSWORD}\n"
                "(also suita-editor, suita-bousai and osaka-kita-bousai for 大阪市北区's ward office,\n"
                " same password)\n"
            )
        )
