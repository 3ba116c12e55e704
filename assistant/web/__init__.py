"""The web layer: FastAPI app, HTTP API, Gradio pages, embeddable widget and secretariat console.

Gradio pings analytics and version-check hosts unless told not to; importing this package
turns that off before any module here imports gradio (offline intranets have no such hosts).
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("GRADIO_TELEMETRY_ENABLED", "False")
