"""Minutes-file extraction: uploaded minutes file -> title, headed sections, agenda mapping.

Pure code: no database, no web. The upload route keeps the original bytes, calls
:func:`extract`, then :func:`map_sections_to_agenda`, and shows the proposal to the secretary.

Kinds (decided by content, see :func:`sniff_kind`): DOCX (python-docx), PDF (pypdf), HWPX
(standard library only), Markdown and plain UTF-8 text.

Heading detection, per kind:

* Markdown: ATX headings ``#`` .. ``######`` outside fenced code blocks. Setext headings
  (``===`` underlines) are not recognised.
* DOCX: a paragraph is a heading when its style (or a style it is based on) is named
  "Heading N" or a localised equivalent ("제목 N", "标题 N", "見出し N", ...), or when the
  paragraph or its style chain carries an outline level (``w:outlineLvl`` 0-8 -> level 1-9).
  Only when a document has no such heading at all: short paragraphs whose text is entirely
  bold become level-1 headings; failing that, the numbered-line heuristic below. The first
  "Title"-styled paragraph becomes the document title instead of a section.
* HWPX: a paragraph is a heading when its paragraph shape (``hh:paraPr``) has
  ``<hh:heading type="OUTLINE" level="n">`` (level n+1), or its style is "개요 N" /
  "Outline N". Without any, the numbered-line heuristic.
* PDF and plain text: the numbered-line heuristic only.

The numbered-line heuristic (:func:`.headings.apply_line_heuristic`) looks at single lines:

* agenda markers ("제1안건", "안건 2", "第一项", "第二项议题", "议题三", "Agenda item 1",
  "Item 2") are level-1 headings when the line is short and does not end like a sentence
  (``. 。 ! ? ; ,``);
* outline numbers ("1.", "1.2", "I.", "一、", "（一）", "가.", "1)", "(1)") are headings, at the
  depth the number shows, when the line is short, does not end like a sentence, is followed by
  more text, and is not part of a run of same-style numbered lines (that is a list, e.g.
  attendees). When the document also has agenda markers, outline numbers go one level deeper.
* "short" means at most 100 display columns (a CJK character counts 2) and, in documents of
  8 lines or more, at most 70% of the 90th-percentile line width (never below 30), so that
  wrapped lines of a PDF paragraph are not taken for headings.

Safety: everything fails with one :class:`ExtractionError` carrying a stable ``code``.

Modules: :mod:`.reader` (the entry point), :mod:`.sniff` (kind by content), one reader per
kind (:mod:`.plain`, :mod:`.docx_file`, :mod:`.hwpx_file`, :mod:`.pdf_file`) over the ZIP
limits of :mod:`.zipsafe`, :mod:`.headings` (sections and the numbered-line heuristic),
:mod:`.mapping` (sections to agenda items) and :mod:`.common` (types and text helpers).
"""

from server.meetings.extraction.common import (
    DEFAULT_MAX_RATIO,
    DEFAULT_MAX_UNZIPPED_BYTES,
    DocumentKind,
    ExtractedDocument,
    ExtractionError,
    ExtractionErrorCode,
    MappingMethod,
    Section,
    SectionMapping,
)
from server.meetings.extraction.mapping import HEADING_MATCH_THRESHOLD, map_sections_to_agenda
from server.meetings.extraction.reader import extract
from server.meetings.extraction.sniff import sniff_kind
from server.meetings.extraction.zipsafe import MAX_ZIP_MEMBERS, RATIO_CHECK_MIN_BYTES

__all__ = [
    "DEFAULT_MAX_RATIO",
    "DEFAULT_MAX_UNZIPPED_BYTES",
    "HEADING_MATCH_THRESHOLD",
    "MAX_ZIP_MEMBERS",
    "RATIO_CHECK_MIN_BYTES",
    "DocumentKind",
    "ExtractedDocument",
    "ExtractionError",
    "ExtractionErrorCode",
    "MappingMethod",
    "Section",
    "SectionMapping",
    "extract",
    "map_sections_to_agenda",
    "sniff_kind",
]
