"""The uploaded file, unpacked safely into a private folder that is always removed."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings

from .report import file_error


@dataclass
class ImportOptions:
    encoding: str | None = None  # override the detected text encoding (e.g. "cp932")
    srs: str | None = None  # override the source CRS (e.g. "EPSG:6674")
    x_column: str | None = None
    y_column: str | None = None
    layer_name: str | None = None  # which layer of a multi-layer file (GeoPackage, KML)
    # A value for every row, by kind field name, for a field the file has no column for
    # (e.g. {"designation": "shelter"} for a municipality's 指定避難所一覧).
    values: dict[str, str] = field(default_factory=dict)
    # Columns chosen by the uploader where the automatic mapping is wrong or missing: target (source_id,
    # name, name_kana, address, municipality_code or a kind field) -> column; "" for none.
    columns: dict[str, str] = field(default_factory=dict)


def parse_values(items) -> dict[str, str]:
    """`field=value` items (from --set or the upload form) as a dict; ValueError names a bad item."""
    values = {}
    for item in items:
        name, sep, value = str(item).partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ValueError(f"expected FIELD=VALUE, e.g. designation=shelter: {item!r}")
        values[name.strip()] = value.strip()
    return values


@dataclass
class Upload:
    """One file to import. `path` is the file itself, or the folder a zip was unpacked into."""

    original: Path
    name: str
    size: int
    sha256: str
    path: Path
    options: ImportOptions = field(default_factory=ImportOptions)

    @property
    def suffix(self) -> str:
        """The data file's suffix: the upload's own, or that of the one file a zip held."""
        return (self.path if self.path.is_file() else self.original).suffix.lower()

    def files(self, *suffixes) -> list[Path]:
        """Files of the upload (the file itself, or the unpacked zip's members) with these suffixes."""
        if self.path.is_file():
            candidates = [self.path]
        else:
            candidates = sorted(p for p in self.path.rglob("*") if p.is_file())
        return [p for p in candidates if p.suffix.lower() in suffixes]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# Work folders are named after the process, so those of a killed worker can be told apart and removed.
WORKSPACE_PREFIX = "mapimport-"


def remove_orphaned_workspaces() -> list[Path]:
    """Remove the work folders of processes that no longer run (a worker killed mid-import); returns them."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{WORKSPACE_PREFIX}*-*"):
        pid = folder.name.removeprefix(WORKSPACE_PREFIX).partition("-")[0]
        if pid.isdigit() and not _is_running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    try:  # a killed process no one has reaped yet (a zombie) still answers signal 0
        return " Z " not in Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2][:4]
    except OSError:
        return True


class UploadWorkspace:
    """Context manager: checks limits, unpacks zips into a temp folder, removes it afterwards."""

    def __init__(self, path, name=None, options=None):
        self.source = Path(path)
        self.name = name or self.source.name
        self.options = options or ImportOptions()
        self.tempdir = None

    def __enter__(self) -> Upload:
        if not self.source.is_file():
            raise file_error(
                "file_missing",
                f"ファイルがありません: {self.name}",
                f"No such file: {self.name}",
            )
        size = self.source.stat().st_size
        if size > settings.MAX_UPLOAD_BYTES:
            raise file_error(
                "file_too_large",
                f"ファイルが大きすぎます（{size:,} バイト、上限 {settings.MAX_UPLOAD_BYTES:,}）",
                f"The file is too large ({size:,} bytes; the limit is {settings.MAX_UPLOAD_BYTES:,})",
            )
        self.tempdir = Path(tempfile.mkdtemp(prefix=f"{WORKSPACE_PREFIX}{os.getpid()}-"))
        try:
            path = self.source
            if self.source.suffix.lower() in (".zip", ".kmz"):
                path = self.tempdir / "unpacked"
                safe_unzip(self.source, path, self.name)
                unpacked = [p for p in path.rglob("*") if p.is_file()]
                if len(unpacked) == 1:
                    path = unpacked[0]  # a zipped CSV, GeoJSON or GeoPackage, at any depth: read it as such
            return Upload(self.source, self.name, size, sha256_of(self.source), path, self.options)
        except BaseException:
            # `with` calls __exit__ only after __enter__ returned: a refused zip must not leave its folder.
            self._remove()
            raise

    def __exit__(self, *exc):
        self._remove()
        return False

    def _remove(self):
        if self.tempdir is not None:
            shutil.rmtree(self.tempdir, ignore_errors=True)
            self.tempdir = None


def safe_unzip(archive: Path, dest: Path, display_name: str):
    """Unpack `archive` into `dest`, refusing anything that could escape it or exhaust the disk."""
    damaged = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError)
    try:
        zf = zipfile.ZipFile(archive)
    except (*damaged, OSError) as exc:  # OSError: a directory offset outside the file (a failed seek)
        raise _unreadable(display_name, exc) from None
    try:
        with zf:
            _unpack(zf, dest, display_name)
    except damaged as exc:  # the central directory, a local header or the compressed data
        raise _unreadable(display_name, exc) from None


def _unreadable(display_name, exc):
    return file_error(
        "zip_unreadable",
        f"{display_name}: zip が壊れているため読めません（{exc}）",
        f"{display_name}: the zip is damaged and cannot be read ({exc})",
    )


def _unpack(zf: zipfile.ZipFile, dest: Path, display_name: str):
    members = zf.infolist()
    if len(members) > settings.MAX_ZIP_ENTRIES:
        raise file_error(
            "zip_too_many_entries",
            f"{display_name}: zip のファイル数が多すぎます（{len(members)}、上限 {settings.MAX_ZIP_ENTRIES}）",
            f"{display_name}: the zip has too many entries ({len(members)}; limit {settings.MAX_ZIP_ENTRIES})",
        )
    total = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    if total > settings.MAX_ZIP_EXPANDED_BYTES or total / packed > settings.MAX_ZIP_EXPANSION_RATIO:
        raise file_error(
            "zip_too_large",
            f"{display_name}: zip の展開後のサイズが大きすぎます（{total:,} バイト）",
            f"{display_name}: the zip expands too much ({total:,} bytes, ratio {total / packed:.0f})",
        )
    dest.mkdir(parents=True)
    for member in members:
        name = _member_name(member)
        pure = PurePosixPath(name)
        is_link = stat.S_ISLNK(member.external_attr >> 16)
        if pure.is_absolute() or ".." in pure.parts or ":" in name or is_link:
            raise file_error(
                "zip_unsafe_entry",
                f"{display_name}: 安全でないパスを含むため受け付けられません: {name}",
                f"{display_name}: refused an unsafe entry (absolute path, '..' or link): {name}",
            )
        if member.is_dir() or _is_clutter(pure):
            continue
        if member.flag_bits & 0x1:
            raise file_error(
                "zip_encrypted",
                f"{display_name}: パスワード付き（暗号化された）ファイルは読めません: {name}",
                f"{display_name}: an entry is encrypted (password-protected) and cannot be read: {name}",
                field=name,
            )
        target = dest.joinpath(*pure.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        _extract(zf, member, target, name, display_name)


class _DiskError(Exception):
    """Writing the unpacked file failed: the server's disk, not the upload."""


def _create(target):
    try:
        return open(target, "wb")  # closed by the caller's with
    except OSError as exc:
        raise _DiskError(exc) from exc


def _extract(zf, member, target, name, display_name):
    written = 0
    try:
        with zf.open(member) as src, _create(target) as out:
            # Count what is really written: the sizes in the zip's directory can lie.
            for block in iter(lambda: src.read(1 << 20), b""):
                written += len(block)
                if written > member.file_size or written > settings.MAX_ZIP_EXPANDED_BYTES:
                    raise file_error(
                        "zip_too_large",
                        f"{display_name}: zip の内容が宣言より大きいです: {name}",
                        f"{display_name}: an entry expands beyond its declared size: {name}",
                    )
                try:
                    out.write(block)
                except OSError as exc:
                    raise _DiskError(exc) from exc
    except _DiskError as exc:
        raise file_error(
            "server_disk_error",
            f"{display_name}: サーバーのディスクに書き込めませんでした（{exc}）。管理者に連絡してください",
            f"{display_name}: the server could not write the unpacked file ({exc}); please tell the administrators",
        ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        # The CRC-32 is checked at the entry's end; a local header offset that points outside the file
        # makes the seek fail with OSError (EINVAL), as a damaged archive, not a server fault.
        raise file_error(
            "zip_entry_corrupt",
            f"{display_name}: zip 内のファイルが壊れています（CRC 不一致など）: {name}",
            f"{display_name}: an entry of the zip is damaged ({exc}): {name}",
            field=name,
        ) from None
    except RuntimeError as exc:  # an encrypted entry the flag bit did not announce
        raise file_error(
            "zip_encrypted",
            f"{display_name}: パスワード付き（暗号化された）ファイルは読めません: {name}",
            f"{display_name}: an entry is encrypted (password-protected) and cannot be read ({exc}): {name}",
            field=name,
        ) from None
    except NotImplementedError as exc:
        raise file_error(
            "zip_unsupported_compression",
            f"{display_name}: zip 内のファイルの圧縮方式に対応していません: {name}",
            f"{display_name}: an entry uses a compression method we cannot unpack ({exc}): {name}",
            field=name,
        ) from None


def _is_clutter(path: PurePosixPath) -> bool:
    """What macOS's Compress and file managers add: __MACOSX/ (AppleDouble ._ files), .DS_Store, dot files."""
    return any(part == "__MACOSX" or part.startswith(".") for part in path.parts)


def _member_name(member: zipfile.ZipInfo) -> str:
    # Without the UTF-8 flag zipfile decodes names as cp437. Japanese zips made on Windows store CP932
    # names that way, and macOS's Compress stores UTF-8 without setting the flag.
    if member.flag_bits & 0x800:
        return member.filename
    try:
        raw = member.filename.encode("cp437")
    except UnicodeEncodeError:
        return member.filename
    for encoding in ("utf-8", "cp932"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return member.filename
