"""The `oms` command: Django's management commands, plus `oms demo`."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
    if len(argv) > 1 and argv[1] == "demo":
        from oms.demo import main as demo

        demo(argv[2:])
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
