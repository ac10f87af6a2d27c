"""The `xiaodian` command: manage.py with the project's settings (demo, serve, worker, seed, ...)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaodian.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["xiaodian", *sys.argv[1:]])


if __name__ == "__main__":
    main()
