from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import create_api_token
from core.errors import DomainError


class Command(BaseCommand):
    help = "Create a personal API token for a user and print it (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="issued with manage.py issue_token")

    def handle(self, *args, email: str, name: str, **options):
        try:
            user = User.objects.get(email__iexact=email, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active user with the email address {email}.") from None
        try:
            _token, secret = create_api_token(by=user, name=name)
        except DomainError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(secret)
