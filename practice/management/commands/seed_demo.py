from django.core.management.base import BaseCommand

from practice.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create the synthetic demo practices, staff and clients (safe to run again) and print the logins."

    def handle(self, *args, **options):
        logins = seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Sign in at /login/ with:"))
        for practice, role, email in logins:
            self.stdout.write(f"  {practice:<24} {role:<11} {email}")
        self.stdout.write(f"  password for every demo login: {DEMO_PASSWORD}")
