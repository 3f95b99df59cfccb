"""What a file is, read from its bytes (the `filetype` package's magic numbers), and whether
the Alliance accepts it: PDF, office documents (Word, Excel, PowerPoint, OpenDocument),
images (PNG, JPEG, GIF, WebP) and UTF-8 text (plain or CSV). A name whose extension says
another of these types is refused, so that "tor.pdf" holding a spreadsheet is caught."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePath

import filetype

from engine.errors import InvalidInput

ALLOWED: dict[str, tuple[str, ...]] = {
    "application/pdf": ("pdf",),
    "application/msword": ("doc",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
    "application/vnd.oasis.opendocument.text": ("odt",),
    "application/vnd.ms-excel": ("xls",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx",),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods",),
    "application/vnd.ms-powerpoint": ("ppt",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ("pptx",),
    "application/vnd.oasis.opendocument.presentation": ("odp",),
    "image/png": ("png",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/gif": ("gif",),
    "image/webp": ("webp",),
    "text/plain": ("txt", "text", "md"),
    "text/csv": ("csv",),
}
KNOWN_EXTENSIONS = {ext: mime for mime, exts in ALLOWED.items() for ext in exts}
MAX_NAME = 200
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def clean_name(name: str) -> str:
    """The file's own name (no folders), without control or path characters, at most 200."""
    base = PurePath((name or "").replace("\\", "/")).name
    text = _UNSAFE.sub("_", unicodedata.normalize("NFC", base)).strip(" .")
    if not text:
        raise InvalidInput("the file has no name", field="file")
    if len(text) > MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        text = (stem[:MAX_NAME - len(ext) - 1] + dot + ext) if dot and len(ext) < 10 else text[:MAX_NAME]
    return text


def _text_type(data: bytes, extension: str) -> str | None:
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/csv" if extension == "csv" else "text/plain"


def sniff(name: str, data: bytes) -> str:
    """The content type of an accepted file; InvalidInput naming the file otherwise."""
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    kind = filetype.guess(data)
    mime = kind.mime if kind is not None else _text_type(data, extension)
    if mime not in ALLOWED:
        article = "an" if kind is not None and kind.extension[:1].lower() in "aeiou" else "a"
        what = f"{article} {kind.extension.upper()} file" if kind is not None else "not a type we accept"
        raise InvalidInput(f"{name} is {what}: upload a PDF, an office document (Word, Excel, "
                           "PowerPoint, OpenDocument), an image (PNG, JPEG, GIF, WebP) or UTF-8 text",
                           field="file")
    said = KNOWN_EXTENSIONS.get(extension)
    if said is not None and said != mime and not (said.startswith("text/") and mime.startswith("text/")):
        raise InvalidInput(f"{name} is named .{extension} but holds {ALLOWED[mime][0].upper()} "
                           "content: rename it or upload the right file", field="file")
    return mime


__all__ = ["ALLOWED", "clean_name", "sniff"]
