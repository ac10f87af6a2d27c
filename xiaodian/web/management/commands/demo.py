import threading

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from xiaodian.core.worker import make_worker, prepare
from xiaodian.web import demo


class Command(BaseCommand):
    help = "Migrate, seed the demo data once, and serve the platform with an in-process task worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="prepare the data and stop")

    def handle(self, *args, host, port, no_serve, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if get_user_model().objects.filter(username="merchant").exists():
            self.stdout.write("xiaodian: demo data already present")
        else:
            demo.seed_demo(stdout=self.stdout)
        if no_serve:
            return
        prepare()
        worker = make_worker()
        threading.Thread(target=worker.run, name="task-worker", daemon=True).start()
        self.stdout.write(
            f"xiaodian: demo at http://{host}:{port}  (API docs /api/v1/docs, admin /admin/)\n"
            "accounts (password demo12345): buyer buyer2 merchant agent creator ops"
        )
        try:
            call_command("serve", host=host, port=port, workers=1, log_level="warning")
        finally:
            worker.running = False
