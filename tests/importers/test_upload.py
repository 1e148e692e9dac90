"""Zips as people really send them: damaged, password-protected, or made by macOS's Compress."""

import struct
import tempfile
import zipfile
from pathlib import Path

import pytest

from importers.pipeline import run_import
from layers.models import Feature, Municipality
from tests.conftest import FIXTURES
from tests.factories import SUITA, make_layer

KINDERGARTEN_ZIP = FIXTURES / "childcare/osaka_city_kindergarten_epsg6674.zip"


@pytest.fixture
def osaka(db):
    return Municipality.objects.get(code="27100")


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """The folder the importer's private work folders go to, so a test can see what is left there."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def kindergarten_parts() -> dict[str, bytes]:
    with zipfile.ZipFile(KINDERGARTEN_ZIP) as zf:
        return {Path(info.filename).name: zf.read(info) for info in zf.infolist() if not info.is_dir()}


def childcare_layer():
    return make_layer(slug="t-childcare", kind="childcare", category="childcare")


def set_flag_bits(archive: Path, bits: int, clear: int = 0):
    """Rewrite the general-purpose flags of every entry, in its local header and in the central directory."""
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        offset = zf.start_dir
        for info in zf.infolist():
            # Local header: signature, version, flags (offset 6).
            local_flags = struct.unpack_from("<H", data, info.header_offset + 6)[0]
            struct.pack_into("<H", data, info.header_offset + 6, (local_flags | bits) & ~clear)
            # Central header: signature, 2 versions, flags (offset 8); its size is 46 + name + extra + comment.
            central_flags = struct.unpack_from("<H", data, offset + 8)[0]
            struct.pack_into("<H", data, offset + 8, (central_flags | bits) & ~clear)
            name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, offset + 28)
            offset += 46 + name_length + extra_length + comment_length
    archive.write_bytes(bytes(data))


def test_zip_member_failing_its_crc_is_named_and_nothing_is_published(db, tmp_path, osaka, private_tmp):
    parts = kindergarten_parts()
    archive = tmp_path / "kindergarten.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        for name, content in parts.items():
            zf.writestr(name, content)
    # Flip bits inside the stored .dbf data: the directory still holds the original CRC-32.
    data = bytearray(archive.read_bytes())
    at = data.index(parts["kindergarten.dbf"][:64]) + 200
    data[at] ^= 0xFF
    archive.write_bytes(bytes(data))

    layer = childcare_layer()
    result = run_import(archive, layer=layer, municipality=osaka)
    (error,) = result.errors
    assert error.code == "zip_entry_corrupt"
    assert error.field == "kindergarten.dbf"
    assert "kindergarten.zip" in error.message_en and "kindergarten.dbf" in error.message_en
    assert result.run.status == "refused" and not Feature.objects.filter(layer=layer).exists()
    assert list(private_tmp.iterdir()) == [], "the half-unpacked folder is removed"


def test_encrypted_zip_member_is_refused_with_its_name(db, tmp_path, osaka, private_tmp):
    archive = tmp_path / "locked.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in kindergarten_parts().items():
            zf.writestr(name, content)
    set_flag_bits(archive, 0x1)  # bit 0: the entry is encrypted

    layer = childcare_layer()
    result = run_import(archive, layer=layer, municipality=osaka)
    (error,) = result.errors
    assert error.code == "zip_encrypted"
    assert error.field.startswith("kindergarten.")
    assert "encrypted" in error.message_en and "パスワード" in error.message_ja
    assert not Feature.objects.filter(layer=layer).exists()
    assert list(private_tmp.iterdir()) == []


def test_truncated_zip_is_refused_as_damaged_not_as_an_unknown_format(db, tmp_path, osaka, private_tmp):
    archive = tmp_path / "cut.zip"
    archive.write_bytes(KINDERGARTEN_ZIP.read_bytes()[:20_000])
    result = run_import(archive, layer=childcare_layer(), municipality=osaka, mode="dry_run")
    assert [f.code for f in result.errors] == ["zip_unreadable"]
    assert "cut.zip" in result.errors[0].message_en
    assert list(private_tmp.iterdir()) == []


def test_macos_compressed_folder_with_macosx_and_dot_files_is_read(db, tmp_path, osaka, private_tmp):
    """What Finder's Compress makes of a folder: the folder inside, __MACOSX/ with AppleDouble ._ files,
    .DS_Store, and UTF-8 names without the zip's UTF-8 flag."""
    folder = "保育所データ"
    members = {f"{folder}/": b""}
    for name, content in kindergarten_parts().items():
        members[f"{folder}/{name}"] = content
        members[f"__MACOSX/{folder}/._{name}"] = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        "
    members[f"{folder}/.DS_Store"] = b"\x00\x00\x00\x01Bud1" + b"\x00" * 100
    members[f"__MACOSX/{folder}/._.DS_Store"] = b"\x00\x05\x16\x07"
    # Copied through a FAT USB stick, the AppleDouble files sit next to the data instead.
    members[f"{folder}/._kindergarten.shp"] = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        "
    archive = tmp_path / "保育所データ.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    set_flag_bits(archive, 0, clear=0x800)
    assert not any(folder in n for n in zipfile.ZipFile(archive).namelist()), "zipfile now reads the names as cp437"

    layer = childcare_layer()
    result = run_import(archive, layer=layer, municipality=osaka)
    assert result.published, [str(f) for f in result.errors]
    assert result.rows == 510
    assert Feature.objects.filter(layer=layer).count() == 510
    assert list(private_tmp.iterdir()) == []


def test_zipped_geojson_in_a_subfolder_is_read_as_geojson(db, tmp_path, private_tmp):
    source = FIXTURES / "shelters/gsi_emergency/272051.geojson"
    archive = tmp_path / "避難場所.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("避難場所/272051.geojson", source.read_bytes())
        zf.writestr("__MACOSX/避難場所/._272051.geojson", b"\x00\x05\x16\x07")
    result = run_import(archive, layer=make_layer(), municipality=Municipality.objects.get(code=SUITA))
    assert result.run.file_format == "geojson"
    assert result.published, [str(f) for f in result.errors]
    assert list(private_tmp.iterdir()) == []


def test_a_refused_zip_leaves_no_work_folder(db, tmp_path, private_tmp):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok/a.shp", b"x" * 100)
        zf.writestr("../evil.shp", b"payload")
    result = run_import(archive, layer=make_layer(), municipality=Municipality.objects.get(code=SUITA))
    assert [f.code for f in result.errors] == ["zip_unsafe_entry"]
    assert list(private_tmp.iterdir()) == []


def test_a_local_header_offset_outside_the_file_is_a_damaged_zip(db, tmp_path, osaka, private_tmp):
    """Found by the fuzz test: a zeroed run made the seek to an entry fail with OSError (EINVAL)."""
    archive = tmp_path / "kindergarten.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        for name, content in kindergarten_parts().items():
            zf.writestr(name, content)
    data = bytearray(archive.read_bytes())
    directory = data.index(b"PK\x01\x02")  # the first central directory entry
    data[directory + 42 : directory + 46] = (0xFFFFFFF0).to_bytes(4, "little")  # its local header offset
    archive.write_bytes(bytes(data))
    result = run_import(archive, layer=childcare_layer(), municipality=osaka)
    (error,) = result.errors
    assert error.code in ("zip_entry_corrupt", "zip_unreadable") and "kindergarten.zip" in error.message_en
    assert not [f for f in result.findings if f.code == "unexpected_error"]
    assert list(private_tmp.iterdir()) == []


def test_a_disk_that_cannot_be_written_is_a_clear_server_error(db, tmp_path, osaka, private_tmp, monkeypatch):
    from importers import upload

    archive = tmp_path / "kindergarten.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in kindergarten_parts().items():
            zf.writestr(name, content)

    def disk_full(target):
        raise upload._DiskError(OSError(28, "No space left on device"))

    monkeypatch.setattr(upload, "_create", disk_full)
    result = run_import(archive, layer=childcare_layer(), municipality=osaka)
    (error,) = result.errors
    assert error.code == "server_disk_error" and "No space left on device" in error.message_en
    assert result.run.status == "refused" and list(private_tmp.iterdir()) == []
