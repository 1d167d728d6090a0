"""`python manage.py oms_sweep [--every SECONDS]`: the single-meter wait's clock (outages_sweep)
for deployments without a server process running the relay; once, or every SECONDS."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from outages import sqlfuncs


class Command(BaseCommand):
    help = "Turn single-meter outage evidence that has waited out its wait into outages."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="repeat every SECONDS")

    def handle(self, *args, every: float = 0, **options):
        while True:
            taken = sqlfuncs.sweep()
            if taken or not every:
                self.stdout.write(f"{taken} waiting evidence or contradicted outages handled")
            if not every:
                return
            time.sleep(every)
