"""Encoding detection: declared charsets are trusted only when they decode the bytes."""

from __future__ import annotations

import codecs

import pytest

from aggregator.extract.encoding import decode_html, declared_charset, detect_encoding, normalize_charset

TEXT = "宁夏银川：黄河岸边的城市迎来今冬第一场雪，市民纷纷走上街头拍照留念。" * 20


def page(meta: str | None, text: str = TEXT) -> str:
    head = f'<meta http-equiv="Content-Type" content="text/html; charset={meta}">' if meta else ""
    return f"<html><head>{head}<title>page</title></head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize("label, codec", [
    ("gb2312", "gb18030"), ("GBK", "gb18030"), ("gb18030", "gb18030"), ("x-gbk", "gb18030"),
    ("UTF-8", "utf-8"), ("utf8", "utf-8"), ("big5", "big5"), ("iso-8859-1", "cp1252"),
    ("no-such-charset", None), ("", None), (None, None),
])
def test_normalize_charset(label, codec):
    assert normalize_charset(label) == codec


def test_gb2312_meta_on_utf8_bytes_is_not_trusted():
    body = page("gb2312").encode("utf-8")
    assert detect_encoding(body, None) == "utf-8"
    assert detect_encoding(body, "gb2312") == "utf-8"


def test_gbk_bytes_with_utf8_header_and_no_meta():
    body = page(None).encode("gbk")
    assert detect_encoding(body, "utf-8") == "gb18030"


def test_gbk_bytes_with_utf8_header_and_gbk_meta():
    body = page("gbk").encode("gbk")
    assert detect_encoding(body, "utf-8") == "gb18030"


def test_gb2312_declared_and_true_is_read_as_gb18030():
    # a character outside GB2312 (GBK/GB18030 only) still decodes
    body = page("gb2312", TEXT + "镕").encode("gb18030")
    enc = detect_encoding(body, None)
    assert enc == "gb18030"
    assert "镕" in body.decode(enc)


def test_no_declaration_at_all():
    assert detect_encoding(page(None).encode("utf-8"), None) == "utf-8"
    assert detect_encoding(page(None).encode("gb18030"), None) == "gb18030"
    big5 = page(None, "臺灣的新聞網站使用繁體中文，編碼常見為大五碼。" * 20).encode("big5")
    assert detect_encoding(big5, None) == "big5"


def test_bom_wins():
    assert detect_encoding(codecs.BOM_UTF8 + page("gbk").encode("utf-8"), "gbk") == "utf-8"
    assert detect_encoding(codecs.BOM_UTF16_LE + page(None).encode("utf-16-le"), None) == "utf-16-le"


def test_header_beats_meta_when_both_decode():
    body = page("gbk", "abc").encode("ascii")
    assert detect_encoding(body, "utf-8") == "utf-8"
    assert detect_encoding(body, None) == "gb18030"


def test_declared_argument_overrides_prescan():
    body = page(None).encode("gb18030")
    assert detect_encoding(body, None, declared="gbk") == "gb18030"


def test_script_charset_is_not_a_declaration():
    body = ('<html><head><script charset="utf-8" src="x.js"></script>'
            '<meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>'
            f"<body>{TEXT}</body></html>").encode("gb18030")
    assert declared_charset(body) == "gb2312"
    assert detect_encoding(body, None) == "gb18030"


def test_truncated_multibyte_tail_does_not_flip_the_decision():
    body = page("utf-8").encode("utf-8")
    cut = body[: len(body) - 60] + "雪".encode("utf-8")[:2]
    assert detect_encoding(cut, "utf-8") == "utf-8"


def test_decode_html_returns_text_and_codec():
    text, enc = decode_html(codecs.BOM_UTF8 + page(None).encode("utf-8"))
    assert enc == "utf-8" and not text.startswith("\ufeff") and "银川" in text
    text, enc = decode_html(page("gb2312").encode("gb18030"), "utf-8")
    assert enc == "gb18030" and "银川" in text
