"""write.py: atomic replace, unchanged files untouched, no path escapes the output folder."""

from __future__ import annotations

import os
import threading

import pytest

from aggregator.export import write
from aggregator.export.write import safe_name, safe_path, write_if_changed


def test_write_new_then_unchanged_keeps_mtime(tmp_path):
    target = tmp_path / "sub" / "a.xml"
    assert write_if_changed(target, b"<rss/>") is True
    os.utime(target, (1_000_000_000, 1_000_000_000))
    assert write_if_changed(target, b"<rss/>") is False
    assert target.stat().st_mtime == 1_000_000_000
    assert write_if_changed(target, b"<rss></rss>") is True
    assert target.read_bytes() == b"<rss></rss>" and target.stat().st_mtime != 1_000_000_000
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.xml"]  # no temp files left


def test_write_replaces_atomically_via_rename_in_same_folder(tmp_path, monkeypatch):
    target = tmp_path / "a.xml"
    target.write_bytes(b"old")
    inode_before = target.stat().st_ino
    calls = []
    real_replace = os.replace

    def spy(src, dst):
        calls.append((os.path.dirname(src), os.fspath(dst)))
        assert target.read_bytes() == b"old"  # readers still see the whole old file
        real_replace(src, dst)

    monkeypatch.setattr(write.os, "replace", spy)
    write_if_changed(target, b"new")
    assert calls == [(str(tmp_path), str(target))]
    assert target.read_bytes() == b"new" and target.stat().st_ino != inode_before


def test_failed_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "a.xml"
    target.write_bytes(b"old")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(write.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_if_changed(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.xml"]


def test_readers_never_see_partial_files(tmp_path):
    target = tmp_path / "big.xml"
    a, b = b"a" * 2_000_000, b"b" * 2_000_000
    write_if_changed(target, a)
    seen, stop = set(), threading.Event()

    def reader():
        while not stop.is_set():
            data = target.read_bytes()
            seen.add((len(data), data[:1], data[-1:]))

    t = threading.Thread(target=reader)
    t.start()
    try:
        for i in range(20):
            write_if_changed(target, b if i % 2 == 0 else a)
    finally:
        stop.set()
        t.join()
    assert seen <= {(2_000_000, b"a", b"a"), (2_000_000, b"b", b"b")}


def test_existing_file_mode_is_kept(tmp_path):
    target = tmp_path / "a.xml"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    write_if_changed(target, b"new")
    assert target.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("rel", ["../x.xml", "a/../../x.xml", "/etc/passwd", "", ".", "a/..//../b"])
def test_safe_path_refuses_escapes(tmp_path, rel):
    with pytest.raises(ValueError):
        safe_path(tmp_path / "out", rel)


def test_safe_path_refuses_symlink_out(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "link").symlink_to(tmp_path)
    with pytest.raises(ValueError, match="escapes"):
        safe_path(out, "link/x.xml")
    assert safe_path(out, "source/a.xml") == (out / "source" / "a.xml").resolve()


@pytest.mark.parametrize("name, expected", [
    ("yinchuan", "yinchuan"), ("a-b_1", "a-b_1"), ("../evil", "evil"), ("a/b", "a-b"),
    ("银川新闻", "yinchuanxinwen"), (".hidden", "hidden"), ("", "x"),
])
def test_safe_name(name, expected):
    assert safe_name(name) == expected
