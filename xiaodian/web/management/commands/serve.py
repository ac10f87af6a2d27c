import uvicorn
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the platform with uvicorn (ASGI: HTTP and websockets)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
        parser.add_argument("--log-level", default="warning")

    def handle(self, *args, host, port, workers, log_level, **options):
        self.stdout.write(f"xiaodian: serving http://{host}:{port} with {workers} worker(s)")
        uvicorn.run(
            "xiaodian.asgi:application",
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            lifespan="off",
            access_log=False,
        )
