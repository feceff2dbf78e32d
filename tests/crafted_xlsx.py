"""Workbooks written part by part, to make the shapes Excel never writes but an attacker does."""

from __future__ import annotations

import io
import zipfile

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def crafted_xlsx(
    sheet_data: str, *, shared: list[str] | None = None, padding: int = 0, prolog: str = ""
) -> bytes:
    """The smallest workbook Excel would open, with the given <sheetData> content.

    ``padding`` spaces after the sheet data make its XML as large as wanted while the zip stays
    tiny: the shape of a zip bomb.
    """
    rels = (
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    )
    parts = {
        "xl/workbook.xml": (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            '<sheet name="教师" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": rels,
        "xl/worksheets/sheet1.xml": (
            f'{prolog}<worksheet xmlns="{_MAIN}"><sheetData>{sheet_data}</sheetData>'
            + " " * padding
            + "</worksheet>"
        ),
        "xl/sharedStrings.xml": (
            f'<sst xmlns="{_MAIN}">'
            + "".join(f"<si><t>{s}</t></si>" for s in shared or [])
            + "</sst>"
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()
