"""Create or rotate an API token; the key is printed alone on the last line."""

from django.core.management.base import BaseCommand, CommandError

from oms.models import Scope
from oms.tokens import issue_token


class Command(BaseCommand):
    help = "Create or rotate the API token NAME with the given scopes."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument(
            "--scope", action="append", required=True, choices=Scope.values, dest="scopes"
        )

    def handle(self, name, scopes, **options):
        try:
            key = issue_token(name, scopes)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Token {name!r} with scopes {', '.join(sorted(set(scopes)))}:")
        self.stdout.write(key)
