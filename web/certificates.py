"""Training-hours certificates: a teacher takes the year's certificate and prints it; anyone checks
a certificate's code on the public verification page, which shows the name, school, year and hours
and nothing else."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required

from web import labels
from web.current import actor, parse_id, services

bp = Blueprint("certificates", __name__)
labels.register(bp)

MAX_CODE = 64


@bp.get("/research/certificates/<certificate_id>")
@login_required
def certificate(certificate_id: str) -> ResponseReturnValue:
    row = services().certificates.certificate(actor(), parse_id(certificate_id))
    return render_template("certificates/certificate.html", c=row)


@bp.get("/verify")
def verify() -> ResponseReturnValue:
    """Public: no sign-in, and a page that says only what the paper says."""
    code = request.args.get("code", "").strip()[:MAX_CODE]
    found = services().certificates.verify(code) if code else None
    status = 404 if code and found is None else 200
    return render_template("certificates/verify.html", code=code, found=found), status
