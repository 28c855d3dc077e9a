"""Serve a built screening page over HTTP(S) with the headers its WebAssembly threads need.

Threads need ``SharedArrayBuffer``, which browsers only give to a cross-origin-isolated page:
``Cross-Origin-Opener-Policy: same-origin`` and ``Cross-Origin-Embedder-Policy: require-corp``
on the document (https://web.dev/articles/coop-coep). A file with a ``.gz`` twin (written by
:mod:`edgeseg.web.build`) is sent gzip-encoded to browsers that accept it, so the runtime's
WebAssembly travels compressed. Browsers treat only ``https://`` and ``http://localhost`` as
secure contexts, and only there register service workers (offline use) and isolate pages, so a
phone on the same network gets the page single-threaded and online unless the server has a
certificate (``certfile``) or the phone reaches it as localhost (``adb reverse``).
"""

from __future__ import annotations

import functools
import http.server
import socket
import ssl
from pathlib import Path
from typing import BinaryIO

from edgeseg.errors import EdgesegError
from edgeseg.web.options import ServeOptions

# The documents' isolation headers, plus CORP so that every file may be embedded by an isolated page.
ISOLATION_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
}
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".wasm": "application/wasm",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".onnx": "application/octet-stream",
    ".tflite": "application/octet-stream",
}


class PageRequestHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with isolation headers, explicit content types, gzip twins and revalidation
    (``Cache-Control: no-cache`` with an ETag: a browser re-asks, and an unchanged file costs a
    304). The page's service worker keeps the offline copy. Each response's body size is added
    to the server's ``transfers`` log, so tests can count what a first visit costs."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **CONTENT_TYPES}
    # Chromium keeps HTTP/1.0 responses that need revalidation out of its cache, so the service
    # worker's caching would download every file a second time.
    protocol_version = "HTTP/1.1"

    def end_headers(self) -> None:
        for name, value in ISOLATION_HEADERS.items():
            self.send_header(name, value)
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def send_head(self) -> BinaryIO | None:
        """The base class's contract: send the headers, return the body's open file (or None)."""
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().send_head()  # redirects to the folder's address with a slash
            path = path / "index.html"
        if not path.is_file() or path.name.endswith(".gz"):
            self.send_error(404, "File not found")
            return None
        twin = path.with_name(path.name + ".gz")
        compressed = twin.is_file() and "gzip" in self.headers.get("Accept-Encoding", "")
        body = twin if compressed else path
        stat = path.stat()
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}{"-gz" if compressed else ""}"'
        if etag in self.headers.get("If-None-Match", ""):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            self._log_transfer(304, 0)
            return None
        handle = open(body, "rb")  # the base class copies it to the client and closes it
        size = body.stat().st_size
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Length", str(size))
        self.send_header("ETag", etag)
        self.send_header("Vary", "Accept-Encoding")
        if compressed:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        self._log_transfer(200, size)
        return handle

    def _log_transfer(self, status: int, size: int) -> None:
        log = getattr(self.server, "transfers", None)
        if log is not None:
            log.append((self.path.split("?", 1)[0], status, size))

    def log_message(self, format: str, *args) -> None:
        if not getattr(self.server, "quiet", False):
            super().log_message(format, *args)


def make_server(folder: str | Path, host: str = ServeOptions.host, port: int = ServeOptions.port, certfile: str | Path | None = None,
                keyfile: str | Path | None = None, quiet: bool = False) -> http.server.ThreadingHTTPServer:
    """A server for the built page in ``folder`` (not started); port 0 picks a free port."""
    folder = Path(folder)
    if not (folder / "index.html").is_file():
        raise EdgesegError(f"{folder}: no built page here (no index.html); run `edgeseg web build --out {folder}` first")
    handler = functools.partial(PageRequestHandler, directory=str(folder))
    try:
        server = http.server.ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise EdgesegError(f"cannot listen on {host}:{port} ({exc.strerror}); pick another --port") from None
    server.quiet = quiet
    server.daemon_threads = True
    server.transfers = []  # (path, status, body bytes) per response
    if certfile:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            context.load_cert_chain(str(certfile), str(keyfile) if keyfile else None)
        except (OSError, ssl.SSLError) as exc:
            server.server_close()
            raise EdgesegError(f"{certfile}: cannot load the certificate ({exc}); pass a PEM certificate and --keyfile") from None
        server.socket = context.wrap_socket(server.socket, server_side=True)
    return server


def page_urls(server: http.server.HTTPServer, secure: bool) -> list[str]:
    """The addresses to open: localhost, and this machine's address on the local network."""
    host, port = server.server_address[:2]
    scheme = "https" if secure else "http"
    urls = [f"{scheme}://localhost:{port}/"]
    if host in ("0.0.0.0", "::"):
        address = lan_address()
        if address:
            urls.append(f"{scheme}://{address}:{port}/")
    elif host not in ("127.0.0.1", "localhost"):
        urls.append(f"{scheme}://{host}:{port}/")
    return urls


def lan_address() -> str | None:
    """This machine's address on its default route (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed; connect() only picks an interface
            return probe.getsockname()[0]
        except OSError:
            return None
