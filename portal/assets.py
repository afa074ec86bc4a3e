"""Static files with their content hash in the URL, cached a year; text responses compressed.

Templates keep calling `url_for('static', filename=...)` and
`url_for('web.vendor_asset', name=...)`: a URL default adds `v=<hash of the file's bytes>`,
computed once per file and process. A URL carrying the current hash never changes meaning,
so browsers keep it a year without asking again; a new deploy with a changed file gets a new
URL. Any file added under static/ is covered with no change here.
"""

from __future__ import annotations

import gzip
import hashlib
from functools import cache
from pathlib import Path
from typing import Any

import brotli
from flask import Flask, current_app, request
from flask_compress import Compress
from werkzeug.wrappers import Response

VERSION_ARG = "v"
ASSET_ENDPOINTS = frozenset({"static", "web.vendor_asset"})
# What is compressed here once and kept, and goes without the headers that act on documents.
SCRIPT_AND_STYLE_TYPES = frozenset({"text/css", "text/javascript", "application/javascript"})
IMMUTABLE = "public, max-age=31536000, immutable"
# Without the current hash (an old page, a typed URL): usable, but checked again next time.
REVALIDATE = "no-cache"

compress = Compress()

# The front-end packages' files served under /vendor/<name>, as npm installs them.
VENDOR_FILES = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "pico.min.css": "@picocss/pico/css/pico.min.css",
}


@cache
def content_hash(path: Path) -> str:
    """The first 12 hex digits of the file's SHA-256; '' when the file is missing."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    except OSError:
        return ""


def asset_path(endpoint: str, values: dict[str, Any]) -> Path | None:
    """The file a static or vendor URL serves, or None for other endpoints."""
    if endpoint == "static" and "filename" in values:
        return Path(current_app.static_folder or "") / values["filename"]
    if endpoint == "web.vendor_asset" and "name" in values:
        relative = VENDOR_FILES.get(values["name"])
        if relative is not None:
            return Path(current_app.config["VENDOR_DIR"]) / relative
    return None


def add_content_hash(endpoint: str, values: dict[str, Any]) -> None:
    """URL default: put the file's content hash in every asset URL built with url_for."""
    if VERSION_ARG in values:
        return
    path = asset_path(endpoint, values)
    if path is not None:
        digest = content_hash(path)
        if digest:
            values[VERSION_ARG] = digest


def cache_assets(response: Response) -> Response:
    """A year, immutable, for an asset asked for by its current hash; revalidate otherwise."""
    if request.endpoint not in ASSET_ENDPOINTS or response.status_code != 200:
        return response
    # Read the file (closing it) so it is compressed whole: each URL is fetched once per
    # visitor, and the files are a few dozen kilobytes.
    response.direct_passthrough = False
    stream = response.response
    content = b"".join(response.iter_encoded())
    closing = getattr(stream, "close", None)
    if closing is not None:
        closing()
    path = asset_path(request.endpoint, request.view_args or {})
    current = content_hash(path) if path is not None else ""
    if current and request.args.get(VERSION_ARG) == current:
        response.headers["Cache-Control"] = IMMUTABLE
        # Never asked for again while kept, so validators and ranges would travel for nothing.
        for name in UNUSED_WHEN_IMMUTABLE:
            response.headers.pop(name, None)
    else:
        response.headers["Cache-Control"] = REVALIDATE
    encoding = request.accept_encodings.best_match(ASSET_ENCODINGS)
    if path is None or encoding is None or response.mimetype not in SCRIPT_AND_STYLE_TYPES:
        response.set_data(content)
        return response
    # Compressed here, at the highest level and once per file and process; Flask-Compress
    # leaves a response that already has a Content-Encoding alone (it compresses pages).
    response.set_data(_precompressed(path, content, encoding))
    response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    etag, weak = response.get_etag()
    if etag:  # revalidated URLs only: one validator per encoding
        response.set_etag(f"{etag}:{encoding}", weak=bool(weak))
    return response


UNUSED_WHEN_IMMUTABLE = ("ETag", "Last-Modified", "Accept-Ranges", "Content-Disposition")
ASSET_ENCODINGS = ("br", "gzip")
_PRECOMPRESSED: dict[tuple[Path, str, str], bytes] = {}


def _precompressed(path: Path, content: bytes, encoding: str) -> bytes:
    """`content` (the file at `path`) compressed with `encoding` at its highest level, kept.

    Brotli 11 costs ~100 ms on Pico's CSS but takes 2.5 KB off a first visit's assets; paid
    once per process. Kept per file hash, so a changed file is compressed anew.
    """
    key = (path, content_hash(path), encoding)
    found = _PRECOMPRESSED.get(key)
    if found is None:
        if encoding == "br":
            found = brotli.compress(content, quality=11)
        else:
            found = gzip.compress(content, compresslevel=9, mtime=0)
        _PRECOMPRESSED[key] = found
    return found


def init_app(app: Flask) -> None:
    """Hash asset URLs, cache what is hashed, compress text (brotli or gzip)."""
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    # Pages: brotli 6 (~2 KB smaller than the default 4 for a few ms); assets have their own.
    app.config.setdefault("COMPRESS_BR_LEVEL", 6)
    app.config.setdefault(
        "COMPRESS_MIMETYPES",
        ["text/html", "text/css", "text/javascript", "application/javascript", "image/svg+xml"],
    )
    app.url_defaults(add_content_hash)
    compress.init_app(app)
    # Registered after Compress, so it runs before it (after_request runs in reverse).
    app.after_request(cache_assets)
