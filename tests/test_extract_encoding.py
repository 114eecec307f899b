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
    ("UTF-8", "utf-8"), ("utf8", "utf-8"), ("big5", "big5"), ("cp950", "big5"), ("big5-hkscs", "big5hkscs"), ("iso-8859-1", "cp1252"),
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


# Hong Kong characters (HKSCS) that plain Big5 cannot decode.
HK_TEXT = "香港新聞：市民在屋邨樓下排隊，啲人話今日好凍，佢哋冇帶外套。" * 10


def test_big5_declared_page_with_hkscs_characters_is_read_as_big5_hkscs():
    body = page("big5", HK_TEXT).encode("big5hkscs")
    with pytest.raises(UnicodeDecodeError):
        body.decode("big5")
    enc = detect_encoding(body, None)
    assert enc == "big5hkscs"
    assert "啲人" in body.decode(enc)
    text, enc = decode_html(body)
    assert "冇帶外套" in text and "\ufffd" not in text


def test_big5_bytes_declared_gb2312_are_not_read_as_gb18030_with_private_use_characters():
    # GB18030 decodes these bytes "without errors" into mojibake holding user-defined
    # (private-use) characters; Big5-HKSCS reads them cleanly
    body = page("gb2312", "臺灣的新聞網站使用繁體中文，編碼常見為大五碼。颱風過後，鄉親們整理家園。" * 20
                ).encode("big5hkscs")
    assert any("\ue000" <= c <= "\uf8ff" for c in body.decode("gb18030"))
    assert detect_encoding(body, None) == "big5"


def test_gbk_page_is_still_gbk():
    assert detect_encoding(page("gbk").encode("gbk"), None) == "gb18030"


@pytest.mark.parametrize("label", ["iso-8859-15", "windows-1256", "koi8-r"])
def test_utf8_bytes_under_a_single_byte_label_are_utf8(label):
    body = page(label, "Ángeles Escrivá — señor día, “quoted”. ").encode("utf-8")
    assert detect_encoding(body, None) == "utf-8"


def test_single_byte_label_on_single_byte_bytes_is_kept():
    body = page("iso-8859-15", "Ángeles Escrivá, 10 €. ").encode("iso-8859-15")
    assert detect_encoding(body, None) == "iso8859-15"


def test_gbk_page_with_a_few_user_defined_characters_stays_gbk():
    # GB18030 maps GBK's user-defined area to private-use characters; Big5-HKSCS reads
    # GB2312 bytes "cleanly" too, but into text with few everyday characters
    t = page("gb2312").encode("gbk")
    body = t + b"<p>\xaa\xa1\xaa\xa2\xaa\xa3\xf8\xa1\xf8\xa2</p>" + t
    assert sum("\ue000" <= c <= "\uf8ff" for c in body.decode("gb18030")) >= 2
    assert detect_encoding(body, None) == "gb18030"
