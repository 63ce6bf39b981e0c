"""The ASGI app uvicorn serves: `services.intake.api:app` (see app.py for the wiring)."""

from .app import create_app

app = create_app()
