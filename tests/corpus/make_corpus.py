"""A corpus of hostile and broken files for the document readers, generated on demand.

    python tests/corpus/make_corpus.py OUT_FOLDER     # writes the files and lists the cases

or, from a test, `build(folder) -> list[Case]`. Every file is generated here (nothing binary is
committed): PDFs are written object by object so that their cross-reference tables, page trees
and encryption can be broken on purpose; DOCX/EPUB containers are written entry by entry so that
zip bombs and path-traversal names are exactly what an attacker would send. The two 1 GB files
are sparse (no disk blocks), and the zip bombs are a few MB at most.

Each case says what the user must see: OK ("indexed fine", with a phrase the text must hold)
or a fragment of the readable message, and the type of the error.
"""

from __future__ import annotations

import codecs
import io
import os
import random
import stat
import struct
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `core` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from core import errors

OK = "indexed fine"
GB = 1000**3
MB = 1000**2

# A fragment of each error's message, as the user reads it.
SAYS = {
    errors.EmptyFileError: "is empty",
    errors.NotReallyError: "but its contents are not",
    errors.CorruptFileError: "looks damaged",
    errors.PasswordRequiredError: "protected by a password",
    errors.WrongPasswordError: "is not correct",
    errors.NotAFileError: "is not a regular file",
    errors.FileMissingError: "was not found",
    errors.FileAccessError: "is not allowed to read",
    errors.NoTextError: "contains no text",
    errors.SuspiciousArchiveError: "refused for safety",
    errors.ProtectedBookError: "DRM",
    errors.EncryptedOfficeFileError: "protected by a password in Word",
    errors.ScannedPDFError: "no text layer",
}


@dataclass(frozen=True)
class Case:
    """One hostile input and what the user must see when it is opened.

    path:     what the user drops: a file, or (for `kind == "folder"`) a folder.
    expect:   OK, or a fragment of the message the user reads.
    error:    the DocumentError subclass expected (None for OK).
    contains: for OK, a phrase the document's text must hold.
    absent:   phrases that must never reach the text (scripts, other files' contents).
    password: the password the user gives, if any.
    limit_s:  how long reading it may take, at most, on a slow 2-core machine.
    library:  what adding the file with a folder (no password) must give, if not the same.
    kind:     "file" or "folder".
    leaves_no: files that must not exist after reading it (where archive entries with
              path-traversal names would land if anything unpacked them).
    """

    name: str
    path: Path
    expect: str
    error: type[errors.DocumentError] | None = None
    contains: str = ""
    absent: tuple[str, ...] = ()
    password: str | None = None
    limit_s: float = 5.0
    library: tuple[str, type[errors.DocumentError] | None] | None = None
    kind: str = "file"
    leaves_no: tuple[Path, ...] = ()

    @property
    def ok(self) -> bool:
        return self.expect == OK

    @property
    def in_library(self) -> tuple[str, type[errors.DocumentError] | None]:
        """(expect, error) when the file is added with its folder and no password."""
        return self.library or (self.expect, self.error)


def _fails(error: type[errors.DocumentError]) -> dict:
    return {"expect": SAYS[error], "error": error}


# ---------------------------------------------------------------------------------------------
# PDF, written object by object


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def _pdf_string(text: str) -> bytes:
    data = text.encode("latin-1")
    return data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _content(text: str) -> bytes:
    lines = [b"BT /F1 12 Tf 72 720 Td 14 TL"]
    lines += [b"(" + _pdf_string(line) + b") Tj T*" for line in text.split("\n")]
    return b"\n".join([*lines, b"ET"])


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _objects(text: str, **replace: bytes) -> dict[int, bytes]:
    """A one-page document's objects: 1 catalog, 2 page tree, 3 page, 4 contents, 5 font."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        4: _stream(_content(text)),
        5: FONT,
    }
    for key, body in replace.items():
        objects[int(key.lstrip("o"))] = body
    return objects


def pdf_bytes(
    objects: dict[int, bytes],
    *,
    trailer: bytes = b"",
    xref: bool = True,
    shift_xref: int = 0,
    startxref: int | None = None,
) -> tuple[bytes, int]:
    """(the PDF, the offset of its xref table). `shift_xref` moves every recorded offset;
    `startxref` overrides where the file says its table is."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    table = len(out)
    size = max(objects) + 1
    if xref:
        out += b"xref\n0 %d\n0000000000 65535 f \n" % size
        for number in range(1, size):
            if number in offsets:
                out += b"%010d 00000 n \n" % (offsets[number] + shift_xref)
            else:
                out += b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\n" % (size, trailer)
    out += b"startxref\n%d\n%%%%EOF\n" % (table if startxref is None else startxref)
    return bytes(out), table


def simple_pdf(text: str, **replace: bytes) -> bytes:
    return pdf_bytes(_objects(text, **replace))[0]


def _update(base: bytes, prev: int, number: int, body: bytes, *, prev_of_update=None) -> bytes:
    """`base` with an incremental update that adds object `number`; its trailer's /Prev is
    `prev_of_update` (default: the update's own table, a loop) or `prev`."""
    out = bytearray(base)
    offset = len(out)
    out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    table = len(out)
    target = table if prev_of_update is None else prev_of_update
    out += b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n" % (number, offset)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Prev %d >>\n" % (number + 1, target)
    out += b"startxref\n%d\n%%%%EOF\n" % table
    return bytes(out)


def _repeated_blocks(unit: bytes, count: int) -> bytes:
    """Raw deflate data for `unit` repeated `count` times, compressing `unit` only once: each
    copy ends with a full flush, so it refers to nothing before it and can simply be repeated."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(unit) + packer.flush(zlib.Z_FULL_FLUSH)
    return block * count + zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # + a final block


def flate_repeated(unit: bytes, count: int) -> bytes:
    """A zlib stream (PDF's /FlateDecode) of `unit` repeated `count` times."""
    adler = 1
    for _ in range(count):
        adler = zlib.adler32(unit, adler)
    return b"\x78\xda" + _repeated_blocks(unit, count) + struct.pack(">I", adler)


def _encrypted(data: bytes, user: str, owner: str | None, algorithm: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user, owner_password=owner, algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pdf_cases(folder: Path) -> list[Case]:
    cases: list[Case] = []

    def add(name: str, data: bytes, **expect) -> None:
        path = folder / name
        path.write_bytes(data)
        cases.append(Case(name.rsplit(".", 1)[0], path, **expect))

    good = simple_pdf("The lighthouse keeper counted forty ships.")
    said = {"expect": OK, "contains": "lighthouse keeper"}

    add("pdf_truncated_after_header.pdf", good[:9], **_fails(errors.CorruptFileError))
    add("pdf_truncated_mid_object.pdf", good[: good.index(b"stream") + 20],
        **_fails(errors.CorruptFileError))
    # Every object is there but the table and trailer at the end are cut off: with no trailer
    # to say which object is the document, it is reported as damaged.
    add("pdf_truncated_in_xref.pdf", good[: good.index(b"xref") + 30],
        **_fails(errors.CorruptFileError))
    add("pdf_no_xref_at_all.pdf", pdf_bytes(_objects("The lighthouse keeper waved."),
        xref=False)[0], **said)
    add("pdf_xref_offsets_wrong.pdf", pdf_bytes(_objects("The lighthouse keeper slept."),
        shift_xref=7)[0], **said)
    add("pdf_startxref_past_the_end.pdf", pdf_bytes(_objects("The lighthouse keeper ate."),
        startxref=10**9)[0], **said)
    add("pdf_startxref_negative.pdf", pdf_bytes(_objects("The lighthouse keeper sang."),
        startxref=-5)[0], **said)
    # /Kids cycles: the page tree contains itself, directly or through a child.
    # (Refused as damaged: a page tree that contains itself has no page order to trust.)
    add("pdf_kids_contain_their_parent.pdf", simple_pdf(
        "The lighthouse keeper looped.", o2=b"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>"),
        **_fails(errors.CorruptFileError))
    add("pdf_kids_cycle_through_child.pdf", simple_pdf(
        "The lighthouse keeper circled.",
        o2=b"<< /Type /Pages /Kids [6 0 R] /Count 1 >>",
        o6=b"<< /Type /Pages /Parent 2 0 R /Kids [3 0 R 2 0 R] /Count 1 >>"),
        **_fails(errors.CorruptFileError))
    # /Parent cycle with nothing on the page itself: inherited attributes walk up forever.
    add("pdf_parent_cycle.pdf", simple_pdf(
        "The lighthouse keeper climbed.",
        o2=b"<< /Type /Pages /Kids [3 0 R] /Count 1 /Parent 6 0 R >>",
        o3=b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
        o6=b"<< /Type /Pages /Kids [2 0 R] /Count 1 /Parent 2 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>"), **said)
    base, table = pdf_bytes(_objects("The lighthouse keeper returned."))
    add("pdf_prev_xref_points_to_itself.pdf",
        _update(base, table, 6, b"<< /Title (Loop) >>"), **said)
    first = _update(base, table, 6, b"<< /Title (A) >>", prev_of_update=table)
    # A second update whose /Prev points back at the first update's table: A -> B -> A.
    table_a = first.rindex(b"\nxref\n") + 1
    second = _update(first, table_a, 7, b"<< /Title (B) >>", prev_of_update=table_a)
    table_b = second.rindex(b"\nxref\n") + 1
    looped = second.replace(b"/Prev %d >>" % table, b"/Prev %d >>" % table_b, 1)
    add("pdf_prev_xref_two_table_loop.pdf", looped, **said)
    add("pdf_huge_page_count.pdf", simple_pdf(
        "The lighthouse keeper had one page.",
        o2=b"<< /Type /Pages /Kids [3 0 R] /Count 2000000000 >>"), **said)
    add("pdf_negative_page_count.pdf", simple_pdf(
        "The lighthouse keeper had minus pages.",
        o2=b"<< /Type /Pages /Kids [3 0 R] /Count -7 >>"), **said)
    add("pdf_no_pages_at_all.pdf", simple_pdf(
        "unused", o2=b"<< /Type /Pages /Kids [] /Count 0 >>"), **_fails(errors.CorruptFileError))
    # Objects that are references to each other (6 -> 7 -> 6), as the document information
    # (its title) and the page's annotations.
    add("pdf_self_referencing_objects.pdf", pdf_bytes(_objects(
        "The lighthouse keeper repeated himself.",
        o3=b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots 6 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        o6=b"7 0 R", o7=b"6 0 R"), trailer=b"/Info 7 0 R ")[0], **said)
    add("pdf_stream_length_refers_to_itself.pdf", simple_pdf(
        "The lighthouse keeper measured.",
        o4=b"<< /Length 6 0 R >>\nstream\n" + _content("The lighthouse keeper measured.")
        + b"\nendstream", o6=b"6 0 R"), **_fails(errors.ScannedPDFError))
    add("pdf_deeply_nested_arrays.pdf", simple_pdf(
        "The lighthouse keeper nested.",
        o1=b"<< /Type /Catalog /Pages 2 0 R /Junk " + b"[" * 100_000 + b"]" * 100_000 + b" >>"),
        **_fails(errors.CorruptFileError))
    add("pdf_page_labels_loop.pdf", simple_pdf(
        "The lighthouse keeper labelled.",
        o1=b"<< /Type /Catalog /Pages 2 0 R /PageLabels 6 0 R >>",
        o6=b"<< /Kids [6 0 R] >>"), **said)
    add("pdf_content_stream_bomb.pdf", simple_pdf(
        "The lighthouse keeper is beside a bomb.",
        o3=b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents [4 0 R 6 0 R] >>",
        o6=_stream(flate_repeated(b" " * (1 << 20), 400), b"/Filter /FlateDecode ")),
        limit_s=20, **_fails(errors.CorruptFileError))

    text = "The vault ledger lists nine sealed crates."
    plain = simple_pdf(text)
    vault = {"expect": OK, "contains": "vault ledger"}
    add("pdf_encrypted_empty_user_password.pdf", _encrypted(plain, "", "owner-secret", "RC4-128"),
        **vault)
    add("pdf_encrypted_aes256_empty_user_password.pdf",
        _encrypted(plain, "", "owner-secret", "AES-256"), **vault)
    locked = _encrypted(plain, "open sesame", "owner-secret", "AES-128")
    add("pdf_encrypted_no_password_given.pdf", locked, **_fails(errors.PasswordRequiredError))
    add("pdf_encrypted_known_password.pdf", locked, password="open sesame",
        library=(SAYS[errors.PasswordRequiredError], errors.PasswordRequiredError), **vault)
    add("pdf_encrypted_wrong_password.pdf", locked, password="guess",
        library=(SAYS[errors.PasswordRequiredError], errors.PasswordRequiredError),
        **_fails(errors.WrongPasswordError))
    return cases


# ---------------------------------------------------------------------------------------------
# Zip containers (DOCX, EPUB) and zip bombs, written entry by entry


@dataclass(frozen=True)
class _Member:
    name: bytes
    data: bytes  # as stored in the archive
    method: int  # 0 stored, 8 deflated
    crc: int
    size: int  # the size the member claims to unpack to


def _member(name: str, content: bytes, method: int = 8) -> _Member:
    if method == 8:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        data = packer.compress(content) + packer.flush()
    else:
        data = content
    return _Member(name.encode("utf-8"), data, method, zlib.crc32(content), len(content))


def _zip(members: list[_Member], aliases: list[tuple[bytes, int]] = ()) -> bytes:
    """A zip of `members`; each alias (name, index) is one more directory entry that points at
    member `index`'s data (the "overlapping entries" zip bomb)."""
    out = bytearray()
    central = bytearray()
    offsets = []
    entries = 0

    def record(m: _Member, name: bytes, offset: int) -> bytes:
        return struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, m.method, 0, 0x21, m.crc,
            len(m.data), m.size, len(name), 0, 0, 0, 0, 0, offset,
        ) + name

    for m in members:
        offsets.append(len(out))
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, m.method, 0, 0x21, m.crc, len(m.data), m.size,
            len(m.name), 0,
        )
        out += m.name + m.data
        central += record(m, m.name, offsets[-1])
        entries += 1
    for name, index in aliases:
        central += record(members[index], name, offsets[index])
        entries += 1
    start = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, entries, entries, len(central), start, 0)
    return bytes(out)


def _gf2_times(matrix: list[int], vector: int) -> int:
    total, i = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[i]
        vector >>= 1
        i += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, row) for row in matrix]


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of A+B from crc(A), crc(B) and len(B), without the bytes (as zlib does)."""
    if length2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]  # one zero bit
    even = _gf2_square(odd)  # two zero bits
    odd = _gf2_square(even)  # four zero bits
    while True:
        even = _gf2_square(odd)
        if length2 & 1:
            crc1 = _gf2_times(even, crc1)
        length2 >>= 1
        if not length2:
            break
        odd = _gf2_square(even)
        if length2 & 1:
            crc1 = _gf2_times(odd, crc1)
        length2 >>= 1
        if not length2:
            break
    return crc1 ^ crc2


def zeros_member(name: str, unpacked: int, *, claims: int | None = None) -> _Member:
    """A deflated member that really inflates to `unpacked` zero bytes (whole MiBs): about
    1 KB on disk per MB unpacked. `claims` is
    the size its headers declare (default: the truth)."""
    unit = 1 << 20
    count = unpacked // unit
    crc, piece_crc, piece_len, n = 0, zlib.crc32(bytes(unit)), unit, count
    while n:
        if n & 1:
            crc = crc32_combine(crc, piece_crc, piece_len)
        piece_crc = crc32_combine(piece_crc, piece_crc, piece_len)
        piece_len *= 2
        n >>= 1
    size = count * unit
    if claims is not None:
        crc, size = zlib.crc32(bytes(claims)), claims
    return _Member(name.encode(), _repeated_blocks(bytes(unit), count), 8, crc, size)


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def docx_xml(*paragraphs: str) -> str:
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>'
    )


def docx_members(document: str | bytes, *extra: _Member, rels: str = _ROOT_RELS) -> list[_Member]:
    data = document.encode("utf-8") if isinstance(document, str) else document
    return [
        _member("[Content_Types].xml", _CONTENT_TYPES.encode()),
        _member("_rels/.rels", rels.encode()),
        _member("word/document.xml", data),
        *extra,
    ]


_CONTAINER = (
    '<?xml version="1.0"?><container version="1.0" '
    'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
    '<rootfile full-path="{opf}" media-type="application/oebps-package+xml"/>'
    "</rootfiles></container>"
)


def epub_opf(items: list[tuple[str, str]], title: str = "A Hostile Book") -> str:
    """A package document listing (id, href) chapters, read in that order."""
    manifest = "".join(
        f'<item id="{i}" href="{href}" media-type="application/xhtml+xml"/>' for i, href in items
    )
    spine = "".join(f'<itemref idref="{i}"/>' for i, _ in items)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<dc:identifier id="id">hostile-1</dc:identifier><dc:title>{title}</dc:title>'
        "<dc:language>en</dc:language></metadata>"
        f"<manifest>{manifest}</manifest><spine>{spine}</spine></package>"
    )


def xhtml(body: str, head: str = "", doctype: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}'
        f'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>c</title>{head}</head>'
        f"<body>{body}</body></html>"
    )


def epub_members(
    chapters: dict[str, str], *extra: _Member, opf: str | None = None, opf_path="OEBPS/book.opf"
) -> list[_Member]:
    """An EPUB's entries: chapters maps a file name (relative to the OPF) to its XHTML."""
    folder = opf_path.rsplit("/", 1)[0] + "/" if "/" in opf_path else ""
    items = [(f"c{n}", name) for n, name in enumerate(chapters, 1)]
    return [
        _member("mimetype", b"application/epub+zip", method=0),
        _member("META-INF/container.xml", _CONTAINER.format(opf=opf_path).encode()),
        _member(opf_path, (opf if opf is not None else epub_opf(items)).encode()),
        *(_member(folder + name, text.encode("utf-8")) for name, text in chapters.items()),
        *extra,
    ]


def _zip_cases(folder: Path, outside: Path) -> list[Case]:
    cases: list[Case] = []

    def add(name: str, data: bytes, **expect) -> None:
        path = folder / name
        path.write_bytes(data)
        cases.append(Case(name.rsplit(".", 1)[0], path, **expect))

    report = docx_xml("The quarterly report praises the night shift.")
    said = {"expect": OK, "contains": "quarterly report"}
    bomb = zeros_member("word/media/image1.bin", 3 * GB)  # ~3 MB that inflates to 3 GB
    add("docx_zip_bomb_3gb.docx", _zip(docx_members(report, bomb)),
        **_fails(errors.SuspiciousArchiveError))
    kernel = zeros_member("word/media/a.bin", 200 * MB)
    aliases = [(f"word/media/copy{n}.bin".encode(), 3) for n in range(60)]  # 60 x 200 MB
    add("docx_zip_bomb_overlapping_entries.docx",
        _zip(docx_members(report, kernel), aliases), **_fails(errors.SuspiciousArchiveError))
    # Headers that claim 1 KB for an entry that would inflate to 3 GB: only 1 KB is ever read.
    liar = zeros_member("word/media/image2.bin", 3 * GB, claims=1000)
    add("docx_zip_bomb_lying_sizes.docx", _zip(docx_members(report, liar)), limit_s=10, **said)
    traversal_rels = _ROOT_RELS.replace(
        "</Relationships>",
        '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/image" Target="../../../../evil-docx.txt"/></Relationships>',
    )
    add("docx_path_traversal_entries.docx", _zip(docx_members(
        report,
        _member("../../evil-docx.txt", b"written outside"),
        _member("../../../../../../../../tmp/evil-docx.txt", b"written outside"),
        rels=traversal_rels,
    )), leaves_no=(folder.parent.parent / "evil-docx.txt", folder.parent / "evil-docx.txt",
                   Path("/tmp/evil-docx.txt")), **said)
    add("docx_absolute_path_entries.docx", _zip(docx_members(
        report, _member(str(outside / "evil-absolute-docx.txt"), b"written outside"),
        _member("C:\\Windows\\evil-docx.txt", b"written outside"),
    )), leaves_no=(outside / "evil-absolute-docx.txt",), **said)
    add("docx_without_document_xml.docx", _zip([
        _member("[Content_Types].xml", _CONTENT_TYPES.encode()),
        _member("_rels/.rels", _ROOT_RELS.encode()),
    ]), **_fails(errors.CorruptFileError))
    whole = _zip(docx_members(report))
    add("docx_truncated.docx", whole[: len(whole) // 2], **_fails(errors.CorruptFileError))
    add("docx_malformed_xml.docx", _zip(docx_members("<w:document><w:body><w:p>unclosed")),
        **_fails(errors.CorruptFileError))
    deep = docx_xml("The quarterly report is deep.").replace(
        "<w:body>", "<w:body>" + "<w:sdt><w:sdtContent>" * 50_000
    ).replace("</w:body>", "</w:sdtContent></w:sdt>" * 50_000 + "</w:body>")
    add("docx_deeply_nested_xml.docx", _zip(docx_members(deep)),
        **_fails(errors.CorruptFileError))
    laughs = "".join(
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)
    )
    add("docx_billion_laughs.docx", _zip(docx_members(
        '<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY l0 "ha">' + laughs + "]>"
        + docx_xml("The quarterly report laughs &l9;").split("?>", 1)[1]
    )), **_fails(errors.CorruptFileError))
    # A Word file saved with "Encrypt with password" is an OLE compound file, not a zip.
    add("docx_password_protected.docx", _ole_encrypted_package(),
        **_fails(errors.EncryptedOfficeFileError))
    # The document's own relationships name an image the file lacks.
    add("docx_missing_image_part.docx", _zip(docx_members(
        report,
        _member("word/_rels/document.xml.rels", _ROOT_RELS.replace(
            "relationships/officeDocument\" Target=\"word/document.xml",
            "relationships/image\" Target=\"media/image1.png").encode()),
    )), **said)

    story = xhtml("<h1>Chapter One</h1><p>The cartographer drew the northern coast.</p>")
    book = {"expect": OK, "contains": "cartographer drew"}
    add("epub_zip_bomb_3gb.epub", _zip(epub_members(
        {"c1.xhtml": story}, zeros_member("OEBPS/cover.bin", 3 * GB))),
        **_fails(errors.SuspiciousArchiveError))
    add("epub_zip_bomb_overlapping_entries.epub", _zip(
        epub_members({"c1.xhtml": story}, zeros_member("OEBPS/a.bin", 200 * MB)),
        [(f"OEBPS/copy{n}.bin".encode(), 4) for n in range(60)],
    ), **_fails(errors.SuspiciousArchiveError))
    add("epub_path_traversal_chapter.epub", _zip(epub_members(
        {"c1.xhtml": story, "../../../evil.xhtml": xhtml("<p>Escaped chapter.</p>")},
        _member("../../evil-epub.txt", b"written outside"),
    )), leaves_no=(folder.parent.parent / "evil-epub.txt", folder.parent / "evil.xhtml",
                   folder.parent.parent / "evil.xhtml"), **book)
    add("epub_absolute_path_entries.epub", _zip(epub_members(
        {"c1.xhtml": story}, _member(str(outside / "evil-absolute-epub.txt"), b"outside"),
    )), leaves_no=(outside / "evil-absolute-epub.txt",), **book)
    add("epub_without_container.epub", _zip([
        _member("mimetype", b"application/epub+zip", method=0),
        _member("OEBPS/c1.xhtml", story.encode()),
    ]), **_fails(errors.CorruptFileError))
    add("epub_container_points_nowhere.epub", _zip(epub_members(
        {"c1.xhtml": story})[:2]), **_fails(errors.CorruptFileError))
    add("epub_spine_lists_missing_chapter.epub", _zip(epub_members(
        {"c1.xhtml": story},
        opf=epub_opf([("c1", "c1.xhtml"), ("c2", "missing.xhtml")]),
    )), **book)
    add("epub_opf_not_xml.epub", _zip(epub_members({"c1.xhtml": story}, opf="<package><<<")),
        **_fails(errors.CorruptFileError))
    secret = outside / "secret-for-xxe.txt"
    secret.write_text("PRIVATE-KEY-MATERIAL\n")
    add("epub_external_entity.epub", _zip(epub_members({"c1.xhtml": xhtml(
        "<p>The cartographer drew &xxe; here.</p>",
        doctype=f'<!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{secret}">]>',
    )})), absent=("PRIVATE-KEY-MATERIAL",), **book)
    add("epub_billion_laughs.epub", _zip(epub_members({"c1.xhtml": xhtml(
        "<p>The cartographer drew &l9;</p>",
        doctype='<!DOCTYPE html [<!ENTITY l0 "ha">' + laughs + "]>",
    )})), absent=("hahahahahahahahahahahahaha",), **book)
    add("epub_drm_encrypted_chapters.epub", _zip(epub_members(
        {"c1.xhtml": story},
        _member("META-INF/encryption.xml", (
            b'<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
            b'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
            b'<enc:CipherData><enc:CipherReference URI="OEBPS/c1.xhtml"/></enc:CipherData>'
            b"</enc:EncryptedData></encryption>")),
    )), **_fails(errors.ProtectedBookError))
    deep_story = xhtml("<div>" * 100_000 + "<p>The cartographer went deep.</p>"
                       + "</div>" * 100_000)
    add("epub_deeply_nested_chapter.epub", _zip(epub_members({"c1.xhtml": deep_story})),
        limit_s=10, expect=OK, contains="cartographer went deep")
    return cases


def _ole_encrypted_package() -> bytes:
    """The start of an OLE compound file holding an "EncryptedPackage" stream, as Office
    writes a password-protected .docx: the signature, then a directory entry naming it."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[0x18:0x1C] = b"\x3e\x00\x03\x00"  # minor / major version 3
    header[0x1C:0x20] = b"\xfe\xff\x09\x00"  # little-endian, 512-byte sectors
    directory = bytearray(128)
    name = "EncryptedPackage".encode("utf-16-le") + b"\0\0"
    directory[: len(name)] = name
    directory[64:66] = struct.pack("<H", len(name))
    directory[66] = 2  # a stream
    info = bytearray(128)
    name = "EncryptionInfo".encode("utf-16-le") + b"\0\0"
    info[: len(name)] = name
    info[64:66] = struct.pack("<H", len(name))
    info[66] = 2
    return bytes(header) + bytes(directory) + bytes(info) + random.Random(7).randbytes(4096)


# ---------------------------------------------------------------------------------------------
# Text, HTML, CSV


def _text_cases(folder: Path) -> list[Case]:
    cases: list[Case] = []

    def add(name: str, data: bytes, **expect) -> None:
        path = folder / name
        path.write_bytes(data)
        cases.append(Case(name.rsplit(".", 1)[0], path, **expect))

    words = "Grüße aus Köln: the café serves crème brûlée"
    said = {"expect": OK, "contains": "café serves crème brûlée"}
    add("txt_utf16_le_with_bom.txt", codecs.BOM_UTF16_LE + words.encode("utf-16-le"), **said)
    add("txt_utf16_be_with_bom.txt", codecs.BOM_UTF16_BE + words.encode("utf-16-be"), **said)
    add("txt_utf16_le_without_bom.txt", words.encode("utf-16-le"), **said)
    add("txt_utf16_be_without_bom.txt", words.encode("utf-16-be"), **said)
    russian = "Война и мир: роман Льва Толстого о войне 1812 года."
    add("txt_utf16_le_without_bom_cyrillic.txt", russian.encode("utf-16-le"),
        expect=OK, contains="роман Льва Толстого")
    add("txt_latin1.txt", (words + " \xa0½ ¼").encode("latin-1"), **said)
    add("txt_cp1252_inside_utf8.txt",
        "Straße in UTF-8, ".encode() + "then a pasted line from Windows: “café” – €5".encode(
            "cp1252") + " and UTF-8 again: naïve résumé.".encode(),
        expect=OK, contains="“café” – €5 and UTF-8 again: naïve résumé")
    add("txt_invalid_utf8_sequences.txt",
        b"Readable start. \xc0\xaf overlong \xed\xa0\x80 surrogate \x80\x80 stray "
        b"\xf8\x88\x80\x80\x80 five-byte \xf4\x90\x80\x80 too-high. Readable end.",
        expect=OK, contains="Readable end.")
    # A log that was being written when the machine lost power: the rest is zero bytes.
    add("txt_log_padded_with_zeros.txt",
        b"The harbour master logged twelve boats.\n" * 20 + bytes(200_000),
        expect=OK, contains="The harbour master logged twelve boats.")
    add("txt_nul_bytes_sprinkled.txt",
        b"The\x00harbour\x00master\x00\x00logged\x00 boats\x00\x00.\n" * 20,
        **_fails(errors.NotReallyError))
    add("txt_only_whitespace_and_controls.txt", b" \n\t\r\n\x0b\x0c \x01\x02\n",
        **_fails(errors.NoTextError))
    return cases


def _html_cases(folder: Path) -> list[Case]:
    cases: list[Case] = []

    def add(name: str, data: str | bytes, **expect) -> None:
        path = folder / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        cases.append(Case(name.rsplit(".", 1)[0], path, **expect))

    add("html_nested_100k_levels.html",
        "<html><body>" + "<div>" * 100_000 + "<p>The beekeeper hid at the bottom.</p>"
        + "</div>" * 100_000 + "</body></html>",
        limit_s=10, expect=OK, contains="beekeeper hid")
    add("html_nested_100k_unclosed.html",
        "<html><body>" + "<span><b><i>" * 33_000 + "The beekeeper never closed a tag.",
        limit_s=10, expect=OK, contains="beekeeper never closed")
    scripts = (
        "<html><head><script>var SCRIPT_IN_HEAD = 1;</script>"
        "<style>.STYLE_RULE { color: red }</style></head>"
        '<body onload="ONLOAD_HANDLER()"><p onclick="ONCLICK_HANDLER()">The beekeeper sells'
        ' honey.</p><script type="text/javascript">document.write("SCRIPT_IN_BODY")</script>'
        '<a href="javascript:JS_URL()">link text</a><img src=x onerror="ONERROR_HANDLER()">'
        "<noscript>NOSCRIPT_FALLBACK</noscript>"
        '<svg><script>SVG_SCRIPT()</script></svg><iframe srcdoc="IFRAME_DOC"></iframe>'
        "<template>TEMPLATE_CONTENT</template>"
        "<script><!-- SCRIPT_IN_COMMENT --></script>"
        "<SCRIPT>UPPERCASE_SCRIPT()</SCRIPT><style>@import 'STYLE_IMPORT';</style>"
        "<p>More honey.</p><script>UNCLOSED_SCRIPT_AT_END()"
    )
    markers = (
        "SCRIPT_IN_HEAD", "STYLE_RULE", "ONLOAD_HANDLER", "ONCLICK_HANDLER", "SCRIPT_IN_BODY",
        "JS_URL", "ONERROR_HANDLER", "NOSCRIPT_FALLBACK", "SVG_SCRIPT", "IFRAME_DOC",
        "TEMPLATE_CONTENT", "SCRIPT_IN_COMMENT", "UPPERCASE_SCRIPT", "STYLE_IMPORT",
        "UNCLOSED_SCRIPT_AT_END",
    )
    add("html_scripts_styles_and_handlers.html", scripts, expect=OK,
        contains="beekeeper sells honey", absent=markers)
    add("html_only_a_script.html", "<html><body><script>alert('ONLY_SCRIPT')</script></body>"
        "</html>", absent=("ONLY_SCRIPT",), **_fails(errors.NoTextError))
    add("html_unknown_charset.html",
        '<html><head><meta charset="x-no-such-charset"></head><body><p>The beekeeper '
        "spoke Esperanto.</p></body></html>", expect=OK, contains="beekeeper spoke")
    add("html_declares_utf8_but_is_cp1252.html",
        b'<html><head><meta charset="utf-8"></head><body><p>The beekeeper\x92s caf\xe9 '
        b"is open.</p></body></html>", expect=OK, contains="is open")
    add("html_utf16_without_bom.html",
        "<html><body><p>The beekeeper wrote in UTF-16.</p></body></html>".encode("utf-16-le"),
        expect=OK, contains="beekeeper wrote")
    add("html_unclosed_comment.html",
        "<html><body><p>The beekeeper is visible.</p><!-- the rest is a comment "
        + "<p>hidden</p>" * 1000, expect=OK, contains="beekeeper is visible")
    laughs = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    add("html_billion_laughs.xhtml",
        '<?xml version="1.0"?><!DOCTYPE html [<!ENTITY l0 "ha">' + laughs + "]>"
        '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>The beekeeper laughs &l9;</p>'
        "</body></html>", expect=OK, contains="beekeeper laughs",
        absent=("hahahahahahahahahahahahaha",))
    add("html_huge_attribute.html",
        '<html><body><p title="' + "A" * 20_000_000 + '">The beekeeper has a long title.</p>'
        "</body></html>", limit_s=10, expect=OK, contains="beekeeper has a long title")
    return cases


def _csv_cases(folder: Path) -> list[Case]:
    cases: list[Case] = []

    def add(name: str, data: bytes, **expect) -> None:
        path = folder / name
        path.write_bytes(data)
        cases.append(Case(name.rsplit(".", 1)[0], path, **expect))

    header = ",".join(f"c{n}" for n in range(1_000_000)).encode()
    add("csv_million_columns.csv",
        header + b"\r\napples,pears\r\n" + b"plums,figs\r\n" * 3000,
        limit_s=15, expect=OK, contains="c0: apples; c1: pears")
    add("csv_single_50mb_line.csv", b"id,note\r\n1," + b"x" * (50 * MB) + b"\r\n",
        limit_s=15, **_fails(errors.CorruptFileError))
    add("csv_unclosed_quote.csv",
        b'name,city\r\nAda,"London\r\nGrace,New York\r\n' + b"Alan,Wilmslow\r\n" * 200,
        expect=OK, contains="name: Ada")
    add("csv_nul_bytes.csv", b"name,city\r\nAda,Lon\x00don\r\nGrace,New York\r\n",
        expect=OK, contains="name: Grace; city: New York")
    add("csv_ragged_rows.csv",
        b"a,b\r\n1\r\n1,2,3,4,5\r\n,,,\r\n\r\n\"quoted, comma\",x\r\n",
        expect=OK, contains="a: quoted, comma")
    add("csv_mixed_cp1252_utf8.csv",
        "city,price\r\nKöln,5\r\n".encode() + "Zürich,€7\r\n".encode("cp1252"),
        expect=OK, contains="city: Zürich; price: €7")
    return cases


# ---------------------------------------------------------------------------------------------
# The file system: empty and junk files of every type, sparse giants, links, pipes, names

EXTENSIONS = [
    ".pdf", ".docx", ".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml", ".epub",
    ".csv",
]


def _filesystem_cases(folder: Path) -> list[Case]:
    cases: list[Case] = []
    for extension in EXTENSIONS:
        path = folder / f"zero_bytes{extension}"
        path.write_bytes(b"")
        cases.append(Case(f"zero_bytes_{extension[1:]}", path, **_fails(errors.EmptyFileError)))
    junk = random.Random(20240601).randbytes(64 * 1024)
    kinds = {".txt": "text", ".pdf": "PDF", ".docx": "Word", ".epub": "e-book (EPUB)",
             ".html": "web page (HTML)", ".csv": "CSV", ".md": "text"}
    for extension, kind in kinds.items():
        path = folder / f"binary_junk{extension}"
        path.write_bytes(junk)
        cases.append(Case(f"binary_junk_{extension[1:]}", path,
                          expect=f"contents are not {kind}", error=errors.NotReallyError))

    for extension, error in ((".txt", errors.NotReallyError), (".pdf", errors.NotReallyError)):
        path = folder / f"sparse_1gb{extension}"
        with open(path, "wb") as f:
            f.truncate(GB)  # a hole: no disk space used, reads back as zeros
        cases.append(Case(f"sparse_1gb_{extension[1:]}", path, limit_s=10, **_fails(error)))

    fifo = folder / "named_pipe.txt"
    if hasattr(os, "mkfifo"):
        os.mkfifo(fifo)
        cases.append(Case("fifo_named_txt", fifo, **_fails(errors.NotAFileError)))

    locked = folder / "no_read_permission.txt"
    locked.write_text("The archivist keeps this locked.\n")
    locked.chmod(0)
    try:  # an administrator (root) reads it anyway; then so does Longread
        with open(locked, "rb"):
            readable = True
    except PermissionError:
        readable = False
    cases.append(Case("no_read_permission", locked, **(
        {"expect": OK, "contains": "archivist keeps"} if readable
        else _fails(errors.FileAccessError))))

    long_name = folder / ("a_very_long_file_name_" + "x" * 220 + ".txt")  # 246 bytes of 255
    long_name.write_text("The long-named file mentions a walrus.\n")
    cases.append(Case("very_long_file_name", long_name, expect=OK, contains="walrus"))
    nested = folder / ("deep_" + "d" * 200)
    for _level in range(20):  # a path of over 4,000 characters
        nested = nested / ("d" * 200)
    try:
        nested.mkdir(parents=True)
        deep_file = nested / "deep_path.txt"
        deep_file.write_text("The deeply filed note mentions an otter.\n")
        cases.append(Case("very_long_path", deep_file, expect=OK, contains="otter"))
    except OSError:  # a file system that refuses such paths: nothing to test
        pass
    unicode_name = folder / "Ünïcødé 日本語 файл 📄 نص.txt"
    unicode_name.write_text("The unicode-named file mentions a lynx.\n")
    cases.append(Case("non_ascii_file_name", unicode_name, expect=OK, contains="lynx"))
    decomposed = folder / "cafe\u0301 decomposed.md"
    decomposed.write_text("# Decomposed\n\nThe decomposed name mentions a heron.\n")
    cases.append(Case("decomposed_unicode_file_name", decomposed, expect=OK, contains="heron"))
    if sys.platform != "win32":
        raw = folder / os.fsdecode(b"latin1 name caf\xe9.txt")  # not valid UTF-8
        raw.write_text("The badly encoded name mentions a badger.\n")
        # Read fine, but the library's catalog cannot keep such a name: it asks for a rename.
        cases.append(Case("file_name_not_utf8", raw, expect=OK, contains="badger",
                          library=("Rename the file", errors.FileNameError)))

    loops = folder / "symlink_loops"
    loops.mkdir()
    (loops / "inside the loop.txt").write_text("The looping folder holds a kingfisher.\n")
    os.symlink("..", loops / "parent", target_is_directory=True)
    os.symlink(".", loops / "itself", target_is_directory=True)
    cases.append(Case("symlink_loop_folder", loops, kind="folder",
                      **_fails(errors.NotAFileError)))
    cases.append(Case("file_inside_symlink_loop", loops / "inside the loop.txt", expect=OK,
                      contains="kingfisher"))
    self_link = folder / "link_to_itself.txt"
    os.symlink(self_link.name, self_link)
    cases.append(Case("symlink_to_itself", self_link, **_fails(errors.NotAFileError)))
    ping, pong = folder / "ping.pdf", folder / "pong.pdf"
    os.symlink(pong.name, ping)
    os.symlink(ping.name, pong)
    cases.append(Case("symlink_pair_loop", ping, **_fails(errors.NotAFileError)))
    cases.append(Case("symlink_pair_loop_other_end", pong, **_fails(errors.NotAFileError)))
    dangling = folder / "dangling_link.docx"
    os.symlink("no-such-target.docx", dangling)
    cases.append(Case("symlink_dangling", dangling, **_fails(errors.FileMissingError)))
    return cases


def build(folder: str | os.PathLike[str]) -> list[Case]:
    """Write every hostile file into `folder` (created if needed) and return the cases.

    Files that must stay outside the library folder (targets that path-traversal entries aim
    at, the secret an external entity tries to read) go in `folder`'s sibling "outside".
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    outside = folder.parent / (folder.name + "-outside")
    outside.mkdir(exist_ok=True)
    cases = [
        *_pdf_cases(folder),
        *_zip_cases(folder, outside),
        *_text_cases(folder),
        *_html_cases(folder),
        *_csv_cases(folder),
        *_filesystem_cases(folder),
    ]
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), "two cases share a name"
    return cases


def restore_permissions(cases: list[Case]) -> None:
    """Let the test's tmp folder be cleaned up: give unreadable files their permissions back."""
    for case in cases:
        if case.path.exists() and not case.path.is_symlink():
            mode = case.path.stat().st_mode
            if stat.S_ISREG(mode) and not mode & stat.S_IRUSR:
                case.path.chmod(0o644)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    for case in build(argv[1]):
        print(f"{case.name:45} {case.expect}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
