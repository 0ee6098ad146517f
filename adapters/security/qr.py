"""QR codes as SVG with segno, for the authenticator enrolment page."""

from __future__ import annotations

import io

import segno

from application.ports.security import QrRenderer

SCALE = 4
QUIET_ZONE = 4  # modules of white border, as ISO/IEC 18004 asks for


class SegnoQrRenderer(QrRenderer):
    """A full QR code (never Micro QR, which phone cameras often miss) with error
    correction M, and the SVG namespace kept, so the document stands alone: an ``<img>``
    source, a download, or inline markup. No XML declaration, so it can be inlined as is."""

    def svg(self, data: str) -> str:
        code = segno.make_qr(data, error="m")
        out = io.BytesIO()
        code.save(out, kind="svg", xmldecl=False, scale=SCALE, border=QUIET_ZONE)
        return out.getvalue().decode("utf-8")
