"""Minutes files built in code (DOCX through python-docx; PDF and HWPX written by hand), for the
extraction tests and the minutes benchmark."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

import docx


def docx_bytes(document: docx.document.Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_pdf(pages: list[list[str]], *, title: str | None = None) -> bytes:
    """A minimal valid PDF written by hand: Helvetica, one text line per entry."""
    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: (
            f"<< /Type /Pages /Kids [{' '.join(f'{p} 0 R' for p in page_ids)}]"
            f" /Count {len(pages)} >>"
        ).encode(),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    }
    for page_id, lines in zip(page_ids, pages, strict=True):
        ops = ["BT", "/F1 12 Tf", "16 TL", "72 760 Td"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({escaped}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects[page_id] = (
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
            f" /Resources << /Font << /F1 3 0 R >> >> /Contents {page_id + 1} 0 R >>"
        ).encode()
        objects[page_id + 1] = (
            f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream"
        )
    info = ""
    if title is not None:
        info_id = max(objects) + 1
        objects[info_id] = f"<< /Title ({title}) /Producer (gyoryu tests) >>".encode()
        info = f" /Info {info_id} 0 R"
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n".encode() + objects[number] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    for number in range(1, size):
        out += f"{offsets[number]:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {size} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


HP = "http://www.hancom.co.kr/hwpml/2011/paragraph"
HS = "http://www.hancom.co.kr/hwpml/2011/section"
HH = "http://www.hancom.co.kr/hwpml/2011/head"
HC = "http://www.hancom.co.kr/hwpml/2011/core"
OPF = "http://www.idpf.org/2007/opf/"

HWPX_HEADER = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>
<hh:head xmlns:hh="{HH}" xmlns:hc="{HC}" version="1.4" secCnt="2">
 <hh:refList>
  <hh:paraProperties itemCnt="3">
   <hh:paraPr id="0" tabPrIDRef="0" condense="0">
    <hh:heading type="NONE" idRef="0" level="0"/><hh:align horizontal="JUSTIFY"/>
   </hh:paraPr>
   <hh:paraPr id="1" tabPrIDRef="0" condense="0">
    <hh:heading type="OUTLINE" idRef="1" level="0"/><hh:align horizontal="JUSTIFY"/>
   </hh:paraPr>
   <hh:paraPr id="2" tabPrIDRef="0" condense="0">
    <hh:heading type="OUTLINE" idRef="1" level="1"/><hh:align horizontal="JUSTIFY"/>
   </hh:paraPr>
  </hh:paraProperties>
  <hh:styles itemCnt="2">
   <hh:style id="0" type="PARA" name="바탕글" engName="Normal" paraPrIDRef="0"
     charPrIDRef="0" nextStyleIDRef="0" langID="1042" lockForm="0"/>
   <hh:style id="2" type="PARA" name="개요 1" engName="Outline 1" paraPrIDRef="1"
     charPrIDRef="0" nextStyleIDRef="2" langID="1042" lockForm="0"/>
  </hh:styles>
 </hh:refList>
</hh:head>"""


def hwpx_p(text: str, *, para: str = "0", style: str = "0", extra: str = "") -> str:
    return (
        f'<hp:p id="0" paraPrIDRef="{para}" styleIDRef="{style}" pageBreak="0"'
        f' columnBreak="0" merged="0"><hp:run charPrIDRef="0">{extra}'
        f"<hp:t>{escape(text)}</hp:t></hp:run></hp:p>"
    )


def hwpx_table(rows: list[list[str]]) -> str:
    cells = "".join(
        "<hp:tr>"
        + "".join(
            f'<hp:tc><hp:subList><hp:p paraPrIDRef="0" styleIDRef="0"><hp:run charPrIDRef="0">'
            f"<hp:t>{escape(cell)}</hp:t></hp:run></hp:p></hp:subList></hp:tc>"
            for cell in row
        )
        + "</hp:tr>"
        for row in rows
    )
    return (
        '<hp:p paraPrIDRef="0" styleIDRef="0"><hp:run charPrIDRef="0">'
        f'<hp:tbl rowCnt="{len(rows)}" colCnt="{len(rows[0])}">{cells}</hp:tbl>'
        "<hp:t/></hp:run></hp:p>"
    )


def hwpx_section(paragraphs: list[str]) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>'
        f'<hs:sec xmlns:hp="{HP}" xmlns:hs="{HS}" xmlns:hc="{HC}">'
        + "".join(paragraphs)
        + "</hs:sec>"
    )


def make_hwpx(
    sections: list[list[str]],
    *,
    header: str | None = HWPX_HEADER,
    title: str | None = None,
    manifest: str | None = None,
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/hwp+zip")  # stored, first
        zf.writestr("version.xml", '<?xml version="1.0" encoding="UTF-8"?><hv:HCFVersion/>')
        if header is not None:
            zf.writestr("Contents/header.xml", header)
        metadata = f"<opf:title>{escape(title)}</opf:title>" if title else ""
        zf.writestr(
            "Contents/content.hpf",
            f'<?xml version="1.0" encoding="UTF-8"?><opf:package xmlns:opf="{OPF}">'
            f"<opf:metadata>{metadata}</opf:metadata></opf:package>",
        )
        if manifest is not None:
            zf.writestr("META-INF/manifest.xml", manifest)
        # Written in reverse so that the reader has to order section0, section1, ...
        for number in reversed(range(len(sections))):
            zf.writestr(f"Contents/section{number}.xml", hwpx_section(sections[number]))
    return buffer.getvalue()


def zip_with(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def zip_with_zeros(name: str, megabytes: int) -> bytes:
    """A DOCX-like zip with ``megabytes`` MiB of zeros in one member, built in 1 MiB chunks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open(name, "w") as fh:
            chunk = bytes(1024 * 1024)
            for _ in range(megabytes):
                fh.write(chunk)
    return buffer.getvalue()
