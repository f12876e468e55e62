"""The static side of /web/: the index, the chat page and the staff console's files, with their headers.

Only the files listed in STATIC_FILES are served, from <project>/web (found from this file's path), each
with a Content-Security-Policy that allows only the pages' own scripts and styles (no inline script, no
CDN, no external font). The console's files hold no data, but they are a staff surface: they answer only
to an allowed Host (loopback or QUALIBOT_ALLOWED_HOSTS).

    /web/                       a small page linking the two
    /web/chat/, /web/console/   index.html of each; /web/chat -> /web/chat/ so relative URLs work behind a prefix
    /web/<section>/<file>       the listed .html, .js and .css files; web/shared/ holds what both pages load
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional, Sequence

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.addresses import allowed_host

logger = logging.getLogger(__name__)

WEB_ROOT = Path(__file__).resolve().parents[3] / "web"
STATIC_FILES = {
    "chat": ("index.html", "chat.js", "chat.css"),
    "console": ("index.html", "console.js", "search.js", "item.js", "log.js", "analytics.js", "versions.js",
                "why.js", "console.css"),
    "shared": ("ui.js",),
}
STAFF_SECTIONS = ("console",)
MIME = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
        ".css": "text/css; charset=utf-8"}

# the pages load nothing from elsewhere: no inline script, no CDN, no external font
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}

INDEX_HTML = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>境外职业资格咨询 · Overseas qualifications</title>
</head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.6">
<h1>北京市境外职业资格认可目录 · 咨询</h1>
<p><a href="chat/">在线咨询（网页聊天）</a> · <a href="chat/" lang="en">Chat with the assistant</a></p>
<p style="font-size: .9em"><a href="console/">工作人员工作台 · Staff console</a></p>
</body>
</html>
"""
INDEX_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")  # the index's style attributes

_NOT_FOUND_HEADERS = {"X-Content-Type-Options": "nosniff"}


class Pages:
    """The static files of `web_root`, the staff sections only for `allowed_hosts` (and loopback)."""

    def __init__(self, web_root: Path, allowed_hosts: Sequence[str]) -> None:
        self.web_root = web_root
        self.allowed_hosts = allowed_hosts

    async def file(self, section: str, name: str) -> HTTPResponse:
        if name not in STATIC_FILES.get(section, ()):
            return response.text("not found", status=404, headers=dict(_NOT_FOUND_HEADERS))
        path = self.web_root / section / name
        if not path.is_file():
            logger.error("web: %s is missing", path)
            return response.text("not found", status=404, headers=dict(_NOT_FOUND_HEADERS))
        return await response.file(path, mime_type=MIME[path.suffix], headers=dict(PAGE_HEADERS))

    def refused(self, request: Request, section: str) -> Optional[HTTPResponse]:
        """The console's files (no data, but a staff surface) only for an allowed Host."""
        if section in STAFF_SECTIONS and not allowed_host(request.headers.get("host"), self.allowed_hosts):
            return response.text("this host name is not allowed for the staff console", status=403,
                                 headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})
        return None

    def add_routes(self, bp: Blueprint) -> None:
        # --- pages: /web/chat -> /web/chat/ so that the pages' relative URLs work behind any prefix ---

        @bp.route("/", methods=["GET"], strict_slashes=True)
        async def index(_: Request) -> HTTPResponse:
            return response.html(INDEX_HTML, headers=dict(PAGE_HEADERS, **{"Content-Security-Policy": INDEX_CSP}))

        @bp.route("", methods=["GET"], strict_slashes=True)
        async def index_no_slash(_: Request) -> HTTPResponse:
            return response.redirect("web/", status=302)

        @bp.route("/<section:chat|console>", methods=["GET"], strict_slashes=True)
        async def page_no_slash(_: Request, section: str) -> HTTPResponse:
            return response.redirect(f"{section}/", status=302)

        @bp.route("/<section:chat|console>/", methods=["GET"], strict_slashes=True)
        async def page(request: Request, section: str) -> HTTPResponse:
            return self.refused(request, section) or await self.file(section, "index.html")

        @bp.route("/<section:chat|console|shared>/<name:[a-z]+\\.(?:html|js|css)>", methods=["GET"])
        async def asset(request: Request, section: str, name: str) -> HTTPResponse:
            return self.refused(request, section) or await self.file(section, name)
