"""CSV import and export of the directory (cities, partnerships, sectors, counterparts).

Import: UTF-8 only (a byte order mark is fine); the header is checked; every row is parsed
and checked in batches while the file streams through the ``csv`` module, so memory stays
bounded whatever the file's length. A file with any bad row imports nothing: every bad row is
reported with its line, and the caller's transaction is rolled back. A dry run does the same
checks and writes nothing. Rows are inserted in batches; each created or updated entity gets
its own change row (written in batches too) and the import one audit entry.

Export streams pages of rows as UTF-8 with a byte order mark (so spreadsheet programs open it
as UTF-8) and with the same header import expects: an exported file imports back unchanged.

Modules: :mod:`.cells` reads rows and checks cells; :mod:`.base` is what every importer shares; one
importer per kind (:mod:`.city_rows`, :mod:`.partnership_rows`, :mod:`.sector_rows`,
:mod:`.counterpart_rows`); :mod:`.importing` runs one; :mod:`.export` writes files.
"""

from server.directory.csvio.cells import KINDS, Kind
from server.directory.csvio.export import export_csv
from server.directory.csvio.importing import import_csv

__all__ = ["KINDS", "Kind", "export_csv", "import_csv"]
