"""`/docs`: Swagger UI from the bundled package, so it renders with no internet access."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

ASSETS = Path(swagger_ui_bundle.swagger_ui_path)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>contactapi</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui"});</script>
</body></html>"""


async def docs_page(request: Request) -> HTMLResponse:
    return HTMLResponse(PAGE)


routes: list[BaseRoute] = [
    Route("/docs", docs_page, methods=["GET"]),
    Route("/docs/", docs_page, methods=["GET"]),
    Mount("/docs/static", StaticFiles(directory=ASSETS), name="docs-static"),
]
