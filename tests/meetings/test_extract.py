"""Minutes-file extraction: real DOCX/PDF/HWPX/Markdown/text files generated in the tests."""

from __future__ import annotations

import io
import pickle
import zipfile

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from pypdf import PdfReader, PdfWriter

from server.meetings.extraction import (
    MAX_ZIP_MEMBERS,
    ExtractedDocument,
    ExtractionError,
    Section,
    SectionMapping,
    extract,
    map_sections_to_agenda,
    sniff_kind,
)
from server.meetings.extraction.zipsafe import BoundedZip
from tests.meetings.documents import (
    HP,
    HS,
    docx_bytes,
    hwpx_p,
    hwpx_table,
    make_hwpx,
    make_pdf,
    zip_with,
    zip_with_zeros,
)

LIMIT = 10 * 1024 * 1024


def run(data: bytes, filename: str, **kwargs: int) -> ExtractedDocument:
    kwargs.setdefault("max_bytes", LIMIT)
    return extract(data, filename, **kwargs)


def refused(data: bytes, filename: str, **kwargs: int) -> ExtractionError:
    with pytest.raises(ExtractionError) as info:
        run(data, filename, **kwargs)
    return info.value


def headings(document: ExtractedDocument) -> list[str | None]:
    return [s.heading for s in document.sections]


# --------------------------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------------------------


def korean_chinese_docx() -> bytes:
    document = docx.Document()
    document.add_heading("서울-베이징 실무회의 회의록", level=0)
    document.add_paragraph("일시: 2025년 3월 5일 10:00 (KST)")
    document.add_heading("제1안건 대기질 공동연구", level=1)
    document.add_paragraph("양측은 미세먼지 관측 자료를 매월 공유하기로 합의하였다.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "기관"
    table.cell(0, 1).text = "담당"
    table.cell(1, 0).text = "서울시 기후환경본부"
    table.cell(1, 1).text = "대기정책과"
    document.add_heading("세부 일정", level=2)
    document.add_paragraph("2025년 상반기 공동 워크숍 개최.")
    document.add_heading("第二项 旅游交流", level=1)
    document.add_paragraph("双方同意互设旅游推广办公室。")
    return docx_bytes(document)


def test_docx_korean_and_chinese_headings_are_extracted_with_their_text() -> None:
    document = run(korean_chinese_docx(), "회의록.docx")

    assert document.kind == "docx"
    assert document.title == "서울-베이징 실무회의 회의록"
    assert headings(document) == [None, "제1안건 대기질 공동연구", "세부 일정", "第二项 旅游交流"]
    assert [s.level for s in document.sections] == [0, 1, 2, 1]
    preamble, first, detail, second = document.sections
    assert preamble.text == "일시: 2025년 3월 5일 10:00 (KST)"
    assert first.text.startswith("양측은 미세먼지 관측 자료를 매월 공유하기로 합의하였다.")
    assert "서울시 기후환경본부 | 대기정책과" in first.text
    assert detail.text == "2025년 상반기 공동 워크숍 개최."
    assert second.text == "双方同意互设旅游推广办公室。"
    assert document.warnings == []


def test_docx_localized_style_names_and_outline_levels_count_as_headings() -> None:
    document = docx.Document()
    korean = document.styles.add_style("제목 1", WD_STYLE_TYPE.PARAGRAPH)
    outlined = document.styles.add_style("안건 소제목", WD_STYLE_TYPE.PARAGRAPH)
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), "1")
    outlined.element.get_or_add_pPr().append(outline)
    document.add_paragraph("제1안건 대기질 공동연구", style=korean)
    document.add_paragraph("본문입니다.")
    document.add_paragraph("추진 배경", style=outlined)
    document.add_paragraph("배경 설명.")

    extracted = run(docx_bytes(document), "minutes.docx")

    assert [(s.heading, s.level) for s in extracted.sections] == [
        ("제1안건 대기질 공동연구", 1),
        ("추진 배경", 2),
    ]


def test_docx_without_heading_styles_uses_short_all_bold_paragraphs() -> None:
    document = docx.Document()
    document.add_paragraph().add_run("Opening").bold = True
    document.add_paragraph("The meeting opened at 10:00 with remarks by both delegations.")
    mixed = document.add_paragraph()
    mixed.add_run("Not a heading: ").bold = True
    mixed.add_run("only partly bold")
    document.add_paragraph().add_run("Air quality research").bold = True
    document.add_paragraph("Both sides will share monitoring data every month.")

    extracted = run(docx_bytes(document), "minutes.docx")

    assert headings(extracted) == ["Opening", "Air quality research"]
    assert "Not a heading: only partly bold" in extracted.sections[0].text
    assert any("bold" in w for w in extracted.warnings)


def test_docx_styles_are_looked_up_once_each_however_long_the_minutes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # python-docx scans every style of the document for each lookup: once per paragraph and
    # run made a hundred pages take 9 seconds (docs/benchmarks.md, "Reading minutes files").
    from docx.parts.document import DocumentPart

    document = docx.Document()
    for n in range(100):
        document.add_heading(f"{n + 1}. 의제", level=1)
        document.add_paragraph("양측은 자료를 공유하기로 하였다.")
        document.add_paragraph().add_run("굵은 글씨 문단").bold = True
    lookups: list[object] = []
    original = DocumentPart.get_style

    def counted(self: DocumentPart, style_id: str | None, style_type: object) -> object:
        lookups.append((style_id, style_type))
        return original(self, style_id, style_type)  # type: ignore[arg-type]

    monkeypatch.setattr(DocumentPart, "get_style", counted)
    extracted = run(docx_bytes(document), "minutes.docx")
    assert len(extracted.sections) == 100
    assert len(lookups) == len(set(lookups)) <= 4


def test_docx_with_tracked_insertion_keeps_inserted_text() -> None:
    document = docx.Document()
    paragraph = document.add_paragraph("Agreed ")
    insertion = OxmlElement("w:ins")
    insertion.set(qn("w:id"), "1")
    insertion.set(qn("w:author"), "secretary")
    run_element = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "unanimously"
    run_element.append(text)
    insertion.append(run_element)
    paragraph._p.append(insertion)

    extracted = run(docx_bytes(document), "minutes.docx")

    assert extracted.sections[0].text == "Agreed unanimously"


def test_truncated_docx_is_refused_as_corrupt() -> None:
    data = korean_chinese_docx()
    error = refused(data[: len(data) // 2], "minutes.docx")
    assert error.code == "corrupt_file"


def test_docx_whose_document_part_is_not_xml_is_refused_as_corrupt() -> None:
    data = zip_with(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"this is not xml",
        }
    )
    assert refused(data, "minutes.docx").code == "corrupt_file"


def test_docx_without_any_text_is_refused_as_empty() -> None:
    document = docx.Document()
    document.add_paragraph("")
    assert refused(docx_bytes(document), "blank.docx").code == "empty_document"


def test_password_protected_docx_ole_file_is_refused_as_encrypted() -> None:
    # Word saves a password-protected DOCX as an OLE compound file holding EncryptionInfo and
    # EncryptedPackage streams; the directory names are UTF-16LE.
    data = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(504)
        + "EncryptionInfo".encode("utf-16-le")
        + bytes(114)
        + "EncryptedPackage".encode("utf-16-le")
        + bytes(2048)
    )
    error = refused(data, "minutes.docx")
    assert error.code == "encrypted_document"
    assert "password" in error.detail


def test_legacy_ole_file_named_docx_is_a_type_mismatch_that_mentions_passwords() -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096)
    error = refused(data, "minutes.docx")
    assert error.code == "type_mismatch"
    assert "password" in error.detail
    assert refused(data, "minutes.doc").code == "unsupported_type"


def test_plain_text_named_docx_is_refused_as_type_mismatch() -> None:
    error = refused("제1안건 대기질\n내용".encode(), "minutes.docx")
    assert error.code == "type_mismatch"


def test_docx_named_pdf_is_refused_as_type_mismatch() -> None:
    assert refused(korean_chinese_docx(), "minutes.pdf").code == "type_mismatch"


# --------------------------------------------------------------------------------------------
# Zip bombs
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bomb_200mb() -> bytes:
    return zip_with_zeros("word/document.xml", 200)


def test_zip_bomb_is_refused_from_the_central_directory_without_expanding(
    bomb_200mb: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(bomb_200mb) < 1024 * 1024  # 200 MiB of zeros compress to ~200 KB

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("a member was opened before the zip-bomb checks")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_reading)
    error = refused(bomb_200mb, "minutes.docx")
    assert error.code == "zip_bomb"


def test_member_with_compression_ratio_over_the_limit_is_a_zip_bomb() -> None:
    data = zip_with_zeros("word/document.xml", 5)  # 5 MiB < 50 MiB total, ratio ~1000:1
    error = refused(data, "minutes.docx")
    assert error.code == "zip_bomb"
    assert "100:1" in error.detail


def test_total_declared_size_over_max_unzipped_bytes_is_a_zip_bomb() -> None:
    data = korean_chinese_docx()
    assert refused(data, "minutes.docx", max_unzipped_bytes=10_000).code == "zip_bomb"


def test_zip_with_too_many_members_is_a_zip_bomb() -> None:
    members = {f"word/media/{i}.xml": b"<x/>" for i in range(MAX_ZIP_MEMBERS)}
    members["word/document.xml"] = b"<w:document/>"
    assert refused(zip_with(members), "minutes.docx").code == "zip_bomb"


def test_bounded_zip_counts_bytes_actually_expanded_against_the_budget() -> None:
    data = zip_with({"a.xml": b"<a>" + b"x" * 40_000 + b"</a>"})
    archive = BoundedZip(data, max_unzipped_bytes=100_000, max_ratio=1000)
    assert archive.read("a.xml").startswith(b"<a>")
    archive.read("a.xml")
    with pytest.raises(ExtractionError) as info:
        archive.read("a.xml")  # 3 x 40 KB > 100 KB actually produced
    assert info.value.code == "zip_bomb"


def test_zip_member_whose_central_directory_understates_its_size_is_never_expanded_past_it() -> (
    None
):
    payload = b"<w:document>" + b"A" * 200_000 + b"</w:document>"
    data = bytearray(zip_with({"[Content_Types].xml": b"<Types/>", "word/document.xml": payload}))
    # Patch the central-directory entry of word/document.xml: uncompressed size := 1000.
    entry = data.rfind(b"PK\x01\x02", 0, data.rfind(b"word/document.xml"))
    data[entry + 24 : entry + 28] = (1000).to_bytes(4, "little")
    error = refused(bytes(data), "minutes.docx")
    assert error.code in ("corrupt_file", "zip_bomb")


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------

PDF_PAGES = [
    [
        "Seoul-Beijing working meeting",
        "1. Opening",
        "The meeting opened at 10:00 with remarks by both delegations.",
        "2. Air quality research",
        "Both cities agreed to share monitoring data every month.",
    ],
    [
        "Agenda item 3: Tourism exchange",
        "Tourism offices will be opened in both cities",
        "before the end of the year.",
    ],
]


def test_pdf_text_is_extracted_and_split_at_numbered_headings() -> None:
    document = run(make_pdf(PDF_PAGES, title="Working meeting minutes"), "minutes.pdf")

    assert document.kind == "pdf"
    assert document.title == "Working meeting minutes"
    assert headings(document) == [
        None,
        "1. Opening",
        "2. Air quality research",
        "Agenda item 3: Tourism exchange",
    ]
    assert document.sections[0].text == "Seoul-Beijing working meeting"
    assert document.sections[2].text == "Both cities agreed to share monitoring data every month."
    assert "before the end of the year." in document.sections[3].text
    # Agenda markers are level 1; outline numbers go one deeper next to them.
    assert [s.level for s in document.sections] == [0, 2, 2, 1]


def test_pdf_with_user_password_is_refused_as_encrypted() -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(PDF_PAGES))))
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    error = refused(buffer.getvalue(), "minutes.pdf")
    assert error.code == "encrypted_document"


def test_pdf_encrypted_without_open_password_is_read_with_a_warning() -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(PDF_PAGES))))
    writer.encrypt(user_password="", owner_password="owner-only")
    buffer = io.BytesIO()
    writer.write(buffer)
    document = run(buffer.getvalue(), "minutes.pdf")
    assert "1. Opening" in headings(document)
    assert any("encrypted" in w for w in document.warnings)


def test_pdf_without_text_is_refused_as_empty() -> None:
    assert refused(make_pdf([[]]), "scan.pdf").code == "empty_document"


def test_truncated_pdf_is_refused_as_corrupt() -> None:
    error = refused(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "minutes.pdf")
    assert error.code == "corrupt_file"


# --------------------------------------------------------------------------------------------
# HWPX
# --------------------------------------------------------------------------------------------


def test_hwpx_outline_paragraphs_become_headings_in_section_file_order() -> None:
    data = make_hwpx(
        [
            [
                hwpx_p("서울-베이징 실무회의", extra='<hp:secPr textDirection="HORIZONTAL"/>'),
                hwpx_p("제1안건 대기질 공동연구", para="1"),
                hwpx_p("양측은 관측 자료를 공유하기로 하였다."),
                hwpx_table([["기관", "담당"], ["서울시", "대기정책과"]]),
                hwpx_p("추진 일정", para="2"),
            ],
            [
                hwpx_p("상반기 워크숍 개최."),
                hwpx_p("제2안건 관광 교류", para="9", style="2"),  # via the "개요 1" style
                hwpx_p("관광홍보사무소를 상호 설치한다."),
            ],
        ],
        title="실무회의 회의록",
    )

    document = run(data, "회의록.hwpx")

    assert document.kind == "hwpx"
    assert document.title == "실무회의 회의록"
    assert [(s.heading, s.level) for s in document.sections] == [
        (None, 0),
        ("제1안건 대기질 공동연구", 1),
        ("추진 일정", 2),
        ("제2안건 관광 교류", 1),
    ]
    assert document.sections[0].text == "서울-베이징 실무회의"
    assert "양측은 관측 자료를 공유하기로 하였다." in document.sections[1].text
    assert "서울시 | 대기정책과" in document.sections[1].text
    assert document.sections[2].text == "상반기 워크숍 개최."
    assert document.sections[3].text == "관광홍보사무소를 상호 설치한다."


def test_hwpx_without_outline_styles_uses_numbered_lines() -> None:
    data = make_hwpx(
        [
            [
                hwpx_p("제1안건 대기질 공동연구"),
                hwpx_p("관측 자료를 공유한다."),
                hwpx_p("제2안건 관광 교류"),
                hwpx_p("사무소를 설치한다."),
            ]
        ],
        header=None,
    )
    document = run(data, "minutes.hwpx")
    assert headings(document) == ["제1안건 대기질 공동연구", "제2안건 관광 교류"]
    assert any("numbered" in w for w in document.warnings)


def test_hwpx_is_recognised_by_mimetype_without_extension() -> None:
    data = make_hwpx([[hwpx_p("본문")]])
    assert sniff_kind(data, "upload") == "hwpx"


def test_hwpx_xml_with_a_dtd_is_refused() -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        f'<hs:sec xmlns:hs="{HS}" xmlns:hp="{HP}"><hp:p><hp:run><hp:t>&lol2;</hp:t>'
        "</hp:run></hp:p></hs:sec>"
    )
    data = zip_with({"mimetype": b"application/hwp+zip", "Contents/section0.xml": laughs.encode()})
    assert refused(data, "minutes.hwpx").code == "corrupt_file"


def test_password_protected_hwpx_is_refused_as_encrypted() -> None:
    manifest = (
        '<odf:manifest xmlns:odf="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<odf:file-entry odf:full-path="Contents/section0.xml">'
        '<odf:encryption-data odf:checksum-type="SHA1"/></odf:file-entry></odf:manifest>'
    )
    data = make_hwpx([[hwpx_p("본문")]], manifest=manifest)
    assert refused(data, "minutes.hwpx").code == "encrypted_document"


# --------------------------------------------------------------------------------------------
# Markdown and plain text
# --------------------------------------------------------------------------------------------

MARKDOWN = """# 서울-베이징 실무회의

참석: 양측 대표단

## 제1안건 대기질 공동연구 ##

- 관측 자료를 **매월** 공유한다.

```
# 코드 블록 안의 줄은 제목이 아니다
```

## 第二项 旅游交流

双方同意互设旅游推广办公室。
"""


def test_markdown_atx_headings_become_sections_and_fenced_code_is_not_a_heading() -> None:
    document = run(MARKDOWN.encode(), "minutes.md")

    assert document.kind == "markdown"
    assert document.title == "서울-베이징 실무회의"
    assert [(s.heading, s.level) for s in document.sections] == [
        ("서울-베이징 실무회의", 1),
        ("제1안건 대기질 공동연구", 2),
        ("第二项 旅游交流", 2),
    ]
    assert document.sections[0].text == "참석: 양측 대표단"
    assert "# 코드 블록 안의 줄은 제목이 아니다" in document.sections[1].text
    assert document.sections[2].text == "双方同意互设旅游推广办公室。"


def test_markdown_is_sniffed_from_headings_even_without_md_extension() -> None:
    assert sniff_kind(b"# Title\n\ntext", "notes.txt") == "markdown"
    assert sniff_kind(b"just text", "notes.txt") == "text"
    assert sniff_kind(b"just text", "notes.md") == "markdown"
    assert sniff_kind(b"#hashtag is not a heading", "upload") == "text"


PLAIN = """Seoul-Beijing working meeting, 5 March 2025

Attendees:
1) Kim Minsu
2) Li Wei
3) Park Jiyoung

1. Opening
The meeting opened at 10:00.
1. The chair welcomed both delegations and thanked the hosts.

2. Air quality research
Both cities agreed to share monitoring data.
2.1 Next steps
A joint workshop will be held in June.
"""


def test_plain_text_headings_come_from_numbered_lines_but_lists_and_sentences_stay_text() -> None:
    document = run(PLAIN.encode(), "minutes.txt")

    assert document.kind == "text"
    assert [(s.heading, s.level) for s in document.sections] == [
        (None, 0),
        ("1. Opening", 1),
        ("2. Air quality research", 1),
        ("2.1 Next steps", 2),
    ]
    assert "2) Li Wei" in document.sections[0].text
    assert "1. The chair welcomed both delegations" in document.sections[1].text
    assert document.sections[3].text == "A joint workshop will be held in June."


def test_utf8_bom_text_is_accepted_and_the_bom_dropped() -> None:
    document = run("\ufeff회의 메모\n내용".encode(), "memo.txt")
    assert document.sections[0].text == "회의 메모\n내용"
    assert document.warnings == ["no headings found: the whole document is one section"]


def test_non_utf8_text_is_refused_as_unsupported() -> None:
    assert refused("회의록 본문".encode("cp949"), "memo.txt").code == "unsupported_type"


def test_empty_and_whitespace_only_files_are_refused_as_empty() -> None:
    assert refused(b"", "memo.txt").code == "empty_document"
    assert refused(b"  \n\n\t\n", "memo.txt").code == "empty_document"


def test_pdf_named_txt_is_refused_as_type_mismatch() -> None:
    assert refused(make_pdf(PDF_PAGES), "minutes.txt").code == "type_mismatch"


def test_extraction_error_survives_pickling_for_worker_processes() -> None:
    error = pickle.loads(pickle.dumps(ExtractionError("zip_bomb", "too big")))
    assert (error.code, error.detail) == ("zip_bomb", "too big")


def test_unknown_binary_is_refused_as_unsupported() -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    assert refused(png, "photo.png").code == "unsupported_type"


# --------------------------------------------------------------------------------------------
# Size limit
# --------------------------------------------------------------------------------------------


def test_file_of_exactly_max_bytes_is_accepted() -> None:
    data = b"1. Opening\nThe meeting opened.\n"
    document = run(data, "minutes.txt", max_bytes=len(data))
    assert headings(document) == ["1. Opening"]


def test_file_one_byte_over_max_bytes_is_refused_before_parsing() -> None:
    data = b"1. Opening\nThe meeting opened.\n"
    assert refused(data, "minutes.txt", max_bytes=len(data) - 1).code == "file_too_large"
    # Checked first: the content (not a DOCX at all) is never looked at.
    assert refused(data, "minutes.docx", max_bytes=len(data) - 1).code == "file_too_large"


# --------------------------------------------------------------------------------------------
# Agenda mapping
# --------------------------------------------------------------------------------------------


def sections_with(*items: tuple[str | None, int]) -> list[Section]:
    return [Section(heading=h, level=level, text="…") for h, level in items]


def pairs(mappings: list[SectionMapping]) -> list[tuple[int, int | None, str]]:
    return [(m.section_index, m.agenda_index, m.method) for m in mappings]


def test_korean_and_chinese_headings_map_to_agenda_titles_listed_in_the_other_order() -> None:
    sections = sections_with((None, 0), ("제1안건: 대기질 공동연구", 1), ("第二项 旅游交流", 1))
    mappings = map_sections_to_agenda(sections, ["旅游交流", "대기질 공동 연구"])

    assert pairs(mappings) == [
        (0, None, "unmatched"),
        (1, 1, "heading"),
        (2, 0, "heading"),
    ]
    assert mappings[1].score == 1.0  # spacing differences do not matter
    assert mappings[2].score == 1.0


def test_numbered_headings_match_titles_after_numbering_is_stripped() -> None:
    sections = sections_with(
        ("1. Opening remarks", 1),
        ("Item 2: Air Quality Joint Research", 1),
        ("第3项 — 旅游交流合作", 1),
        ("(4) 청소년 교류", 1),
    )
    agenda = ["Opening Remarks", "2. air-quality joint research", "旅游交流合作", "청소년교류"]
    mappings = map_sections_to_agenda(sections, agenda)
    assert pairs(mappings) == [
        (0, 0, "heading"),
        (1, 1, "heading"),
        (2, 2, "heading"),
        (3, 3, "heading"),
    ]
    assert all(m.score == 1.0 for m in mappings)


def test_heading_that_is_only_an_agenda_number_maps_to_that_item() -> None:
    sections = sections_with(("제2안건", 1), ("第一项", 1))
    mappings = map_sections_to_agenda(sections, ["대기질 공동연구", "관광 교류"])
    assert pairs(mappings) == [(0, 1, "heading"), (1, 0, "heading")]


def test_extra_sections_that_fit_no_agenda_item_stay_unmatched() -> None:
    sections = sections_with(
        (None, 0),
        ("개회 및 인사말", 1),
        ("제1안건 대기질 공동연구", 1),
        ("제2안건 관광 교류", 1),
        ("기타 논의 사항", 1),
    )
    mappings = map_sections_to_agenda(sections, ["대기질 공동연구", "관광 교류"])
    assert pairs(mappings) == [
        (0, None, "unmatched"),
        (1, None, "unmatched"),
        (2, 0, "heading"),
        (3, 1, "heading"),
        (4, None, "unmatched"),
    ]


def test_unrecognisable_headings_are_mapped_by_order_between_matched_neighbours() -> None:
    sections = sections_with(
        ("Opening", 1),  # before the first matched item: not pulled into item 1
        ("대기질 공동연구", 1),
        ("Tourism exchange", 1),  # other language: no similarity
        ("청소년 교류", 1),
    )
    mappings = map_sections_to_agenda(sections, ["대기질 공동연구", "관광 교류", "청소년 교류"])
    assert pairs(mappings) == [
        (0, None, "unmatched"),
        (1, 0, "heading"),
        (2, 1, "order"),
        (3, 2, "heading"),
    ]


def test_subsections_follow_the_agenda_item_of_their_parent() -> None:
    sections = sections_with(
        ("회의록", 1),
        ("제1안건 대기질 공동연구", 2),
        ("1.1 추진 배경", 3),
        ("1.2 향후 계획", 3),
        ("제2안건 관광 교류", 2),
    )
    mappings = map_sections_to_agenda(sections, ["대기질 공동연구", "관광 교류"])
    assert pairs(mappings) == [
        (0, None, "unmatched"),
        (1, 0, "heading"),
        (2, 0, "heading"),
        (3, 0, "heading"),
        (4, 1, "heading"),
    ]


def test_dissimilar_titles_sharing_a_word_do_not_match_by_heading() -> None:
    sections = sections_with(("청소년 교류 활성화", 1))
    mappings = map_sections_to_agenda(sections, ["서울-베이징 관광 교류 활성화 방안 논의"])
    assert mappings[0].method != "heading"


def test_extracted_docx_sections_map_to_agenda() -> None:
    document = run(korean_chinese_docx(), "회의록.docx")
    mappings = map_sections_to_agenda(document.sections, ["旅游交流", "대기질 공동연구"])
    assert pairs(mappings) == [
        (0, None, "unmatched"),
        (1, 1, "heading"),
        (2, 1, "heading"),
        (3, 0, "heading"),
    ]
