"""Errors as JSON for API paths and plain pages elsewhere; never a stack trace."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException


JSON_PREFIXES = ("/api/", "/oms/", "/webhooks")


def wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES)


def json_error(status: int, message: str, headers: dict | None = None):
    response = jsonify({"error": message})
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def register(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        # The exception's own headers go along (a 405's Allow, a 429's Retry-After); the
        # body is ours, so its Content-Type is ours too.
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        if wants_json():
            return json_error(exc.code or 500, exc.description or exc.name, headers)
        return render_template("error.html", status=exc.code, message=exc.description), exc.code, headers

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json():
            if isinstance(exc, DataError):
                # The database refused a value the request carried (a NUL character, a number
                # out of range): bad input, not a server fault.
                return json_error(400, "a value in the request cannot be stored or looked up "
                                       "(NUL character or number out of range)")
            return json_error(500, "internal error")
        return render_template("error.html", status=500, message="Something went wrong."), 500
