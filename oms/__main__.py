"""The `oms` command: `oms demo`, plus Django's management commands."""

import os
import sys

USAGE = """\
usage: oms demo [--host HOST] [--port PORT] [--reset-password] [...]
           the whole service on one machine: embedded PostgreSQL, a demo grid, an operator
           login, the dashboard, admin and API, and storms fed live (oms demo --help)
       oms <command> [options]
           a management command (import_grid, oms_token, consume, oms_partitions, migrate, …;
           oms help <command> describes one)
"""


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
    if len(argv) > 1 and argv[1] == "demo":
        from oms.demo import main as demo

        demo(argv[2:])
        return
    from django.core.management import execute_from_command_line

    if argv[1:] in ([], ["-h"], ["--help"], ["help"]):
        print(USAGE)
        argv = [argv[0], "help"]
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
