"""The rows of an uploaded .xlsx or .csv file, read with the work bounded before and while parsing.

An .xlsx file is a zip of XML: a few hundred KB can unpack to gigabytes, or hold two cells a million
rows apart that make a whole-sheet reader allocate the grid between them. So the zip's directory is
checked first (entries, uncompressed sizes, compression ratios), then the first sheet is parsed as a
stream of XML events that counts rows, cells and time and stops at the first limit passed. Why this
reader and not openpyxl's or python-calamine's: docs/adr/0004-spreadsheet-reading.md.
"""

from __future__ import annotations

import csv
import io
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree import ElementTree

from services.errors import DomainError

Rows = list[tuple[int, list[str]]]

_CHUNK = 64 * 1024
_RELS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass(frozen=True)
class Limits:
    """What one upload may cost; the defaults fit a school's teacher list many times over."""

    #: The uploaded file itself.
    file_bytes: int = 5 * 1024 * 1024
    #: The .xlsx zip: the sum of its entries' uncompressed sizes, their number, and how much
    #: smaller than its content an entry may be (Excel's own files compress XML about 5-15 times).
    uncompressed_bytes: int = 20 * 1024 * 1024
    entries: int = 200
    ratio: int = 100
    #: Rows of the sheet or lines of the CSV, empty ones included (they are skipped, but counted).
    rows: int = 10_000
    #: Columns read from each row; cells further right are ignored.
    columns: int = 50
    #: Cells in the sheet, empty and ignored ones included, and strings in its shared-string table.
    cells: int = 100_000
    shared_strings: int = 100_000
    #: Wall-clock seconds of parsing.
    seconds: float = 5.0


LIMITS = Limits()


def read_table(filename: str, data: bytes, limits: Limits = LIMITS) -> Rows:
    """The non-empty rows of a spreadsheet or CSV file, each with its row number (from 1)."""
    if len(data) > limits.file_bytes:
        mb = limits.file_bytes // (1024 * 1024)
        raise DomainError(f"文件太大（最大{mb} MB） / The file is too large ({mb} MB at most)")
    name = filename.lower()
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_rows(data, limits)
    if data.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise DomainError(
            "不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 .csv / "
            "Old .xls files are not supported; save as .xlsx or .csv in Excel"
        )
    if name.endswith(".xlsx"):
        raise DomainError("不是有效的 .xlsx 文件 / Not a valid .xlsx file")
    if not name.endswith((".csv", ".txt")):
        raise DomainError("请上传 .xlsx 或 .csv 文件 / Upload an .xlsx or .csv file")
    return _csv_rows(_decode(data), limits)


class _Budget:
    """Counts what parsing has cost so far and refuses the file at the first limit passed."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.seconds
        self.rows = 0
        self.cells = 0

    def row(self, number: int) -> None:
        self.rows += 1
        if self.rows > self.limits.rows or number > self.limits.rows:
            raise DomainError(
                f"表格超过{self.limits.rows}行（含空行），请只保留教师名单 / The sheet has more "
                f"than {self.limits.rows} rows (empty ones included); keep only the teacher list"
            )

    def cell(self) -> None:
        self.cells += 1
        if self.cells > self.limits.cells:
            raise DomainError(
                f"表格超过{self.limits.cells}个单元格 / The sheet has more than "
                f"{self.limits.cells} cells"
            )

    def clock(self) -> None:
        if time.monotonic() > self.deadline:
            raise DomainError(
                "文件读取超时，请删除多余的行、列和格式后重试 / Reading the file took too long; "
                "remove extra rows, columns and formatting and try again"
            )


# CSV ---------------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    # UTF-8 (Excel's "CSV UTF-8" adds a BOM), else GB18030 (a superset of GBK), which Chinese
    # Excel writes by default.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise DomainError(
        "无法识别文件编码，请保存为 UTF-8 或 GB18030 编码的 CSV / "
        "Cannot read the file's encoding; save it as a UTF-8 or GB18030 CSV"
    )


def _csv_rows(text: str, limits: Limits) -> Rows:
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;，", key=first_line.count)
    if not first_line.count(delimiter):
        delimiter = ","
    budget = _Budget(limits)
    rows: Rows = []
    try:
        for number, cells in enumerate(
            csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1
        ):
            budget.row(number)
            if number % 1000 == 0:
                budget.clock()
            kept = [c.strip() for c in cells[: limits.columns]]
            if any(kept):
                rows.append((number, kept))
    except csv.Error as exc:
        raise DomainError(f"CSV 文件格式有误 / The CSV file is malformed: {exc}") from exc
    return rows


# XLSX --------------------------------------------------------------------------------------------

_INVALID_XLSX = "不是有效的 .xlsx 文件 / Not a valid .xlsx file"


def _xlsx_rows(data: bytes, limits: Limits) -> Rows:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise DomainError(_INVALID_XLSX) from exc
    with archive:
        _check_archive(archive, limits)
        budget = _Budget(limits)
        try:
            sheet, shared_path = _first_sheet(archive)
            shared = _shared_strings(archive, shared_path, budget) if shared_path else []
            return list(_sheet_rows(archive, sheet, shared, budget))
        except DomainError:
            raise
        except (KeyError, ValueError, zipfile.BadZipFile, ElementTree.ParseError) as exc:
            # A missing part, a malformed reference or XML, or an entry larger than its zip
            # directory said (zipfile never reads past the declared size, and then fails the CRC).
            raise DomainError(_INVALID_XLSX) from exc


def _check_archive(archive: zipfile.ZipFile, limits: Limits) -> None:
    entries = archive.infolist()
    mb = limits.uncompressed_bytes // (1024 * 1024)
    too_big = DomainError(
        f"文件解压后超过{mb} MB，不像教师名单 / The file is more than {mb} MB uncompressed; "
        "that is not a teacher list"
    )
    if len(entries) > limits.entries:
        raise DomainError(
            f"文件包含超过{limits.entries}个部件，不像教师名单 / The file holds more than "
            f"{limits.entries} parts; that is not a teacher list"
        )
    if sum(e.file_size for e in entries) > limits.uncompressed_bytes:
        raise too_big
    for entry in entries:
        if entry.file_size > 1024 * 1024 and entry.file_size > limits.ratio * entry.compress_size:
            raise DomainError(
                f"文件压缩比异常（超过{limits.ratio}倍），疑似压缩炸弹 / The file compresses more "
                f"than {limits.ratio} times; it looks like a zip bomb"
            )


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _small_xml(archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    data = archive.read(name)
    _refuse_doctype(data)
    # Safe with the DTD refused: no entities to expand, no external resources to fetch.
    return ElementTree.fromstring(data)  # noqa: S314


def _refuse_doctype(chunk: bytes) -> None:
    # OOXML never declares a DTD; one that does wants entity expansion or external entities.
    if b"<!DOCTYPE" in chunk or b"<!ENTITY" in chunk:
        raise DomainError(_INVALID_XLSX)


def _first_sheet(archive: zipfile.ZipFile) -> tuple[str, str | None]:
    """The path of the workbook's first sheet and of its shared-string table, if it has one."""
    workbook = _small_xml(archive, "xl/workbook.xml")
    sheets = [e for e in workbook.iter() if _local(e.tag) == "sheet"]
    if not sheets:
        raise DomainError("文件是空的 / The file is empty")
    first = sheets[0].get(f"{{{_RELS_NS}}}id") or sheets[0].get(
        "{http://purl.oclc.org/ooxml/officeDocument/relationships}id"
    )
    sheet = None
    shared = None
    for rel in _small_xml(archive, "xl/_rels/workbook.xml.rels"):
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        if rel.get("Id") == first:
            sheet = path
        elif rel.get("Type", "").endswith("/sharedStrings"):
            shared = path
    if sheet is None:
        raise DomainError(_INVALID_XLSX)
    return sheet, shared


def _events(archive: zipfile.ZipFile, name: str, budget: _Budget) -> Iterator[ElementTree.Element]:
    """Each element of an XML part as it ends, fed from the zip in chunks, on the clock."""
    parser: ElementTree.XMLPullParser[ElementTree.Element] = ElementTree.XMLPullParser(
        events=("end",)
    )
    tail = b""
    with archive.open(name) as stream:
        while chunk := stream.read(_CHUNK):
            _refuse_doctype(tail + chunk[:16])
            _refuse_doctype(chunk)
            tail = chunk[-16:]
            parser.feed(chunk)
            yield from _ended(parser)
            budget.clock()
    parser.close()
    yield from _ended(parser)


def _ended(
    parser: ElementTree.XMLPullParser[ElementTree.Element],
) -> Iterator[ElementTree.Element]:
    for event in parser.read_events():
        element = event[-1]
        if isinstance(element, ElementTree.Element):
            yield element


def _text(element: ElementTree.Element) -> str:
    """The text of a string item or inline string: its runs, without phonetic guides (rPh)."""
    parts: list[str] = []
    for child in element:
        kind = _local(child.tag)
        if kind == "t":
            parts.append(child.text or "")
        elif kind == "r":
            parts += [t.text or "" for t in child if _local(t.tag) == "t"]
    return "".join(parts)


def _shared_strings(archive: zipfile.ZipFile, name: str, budget: _Budget) -> list[str]:
    strings: list[str] = []
    for element in _events(archive, name, budget):
        if _local(element.tag) == "si":
            strings.append(_text(element))
            element.clear()
            if len(strings) > budget.limits.shared_strings:
                raise DomainError(
                    f"文件包含超过{budget.limits.shared_strings}个不同的文本 / The file holds "
                    f"more than {budget.limits.shared_strings} distinct texts"
                )
    return strings


def _position(reference: str) -> tuple[int, int]:
    """The (row, column) of a cell reference such as ``AB12``, both from 1."""
    letters = len(reference) - len(reference.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    column = 0
    for char in reference[:letters]:
        column = column * 26 + ord(char) - 64
    return int(reference[letters:]), column


def _sheet_rows(
    archive: zipfile.ZipFile, name: str, shared: list[str], budget: _Budget
) -> Iterator[tuple[int, list[str]]]:
    columns = budget.limits.columns
    row_number = 0
    cells: list[str] = []
    last_column = 0
    for element in _events(archive, name, budget):
        kind = _local(element.tag)
        if kind == "c":
            budget.cell()
            reference = element.get("r")
            last_column = _position(reference)[1] if reference else last_column + 1
            if last_column <= columns:
                value = _cell_value(element, shared)
                if value:
                    cells += [""] * (last_column - 1 - len(cells)) + [value]
            element.clear()
        elif kind == "row":
            number = element.get("r")
            row_number = int(number) if number else row_number + 1
            budget.row(row_number)
            if any(cells):
                yield row_number, cells
            cells, last_column = [], 0
            element.clear()


def _cell_value(cell: ElementTree.Element, shared: list[str]) -> str:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        found = next((e for e in cell if _local(e.tag) == "is"), None)
        return "" if found is None else _text(found).strip()
    raw = next((e.text or "" for e in cell if _local(e.tag) == "v"), "").strip()
    if not raw:
        return ""
    if kind == "s":
        index = int(raw)
        return shared[index].strip() if 0 <= index < len(shared) else ""
    if kind == "n":
        number = float(raw)
        # A login name or a grade typed as a number: 3, not 3.0.
        return str(int(number)) if number.is_integer() else str(number)
    if kind == "b":
        return "True" if raw == "1" else "False"
    return raw  # "str" (a formula's text), "e" (an error such as #N/A), "d" (an ISO date)
