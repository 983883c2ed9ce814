"""vCard 3.0 text: escaping and line folding that phones accept."""

from linkmall.cards.vcard import VCard, escape_text, fold


def test_text_escapes_backslash_semicolon_comma_and_newlines():
    assert escape_text("a\\b;c,d\r\ne\nf") == "a\\\\b\\;c\\,d\\ne\\nf"


def test_long_lines_fold_at_75_octets_without_splitting_a_character_and_unfold_to_the_original():
    line = "NOTE:" + "名片上的简介，" * 40

    folded = fold(line)

    pieces = folded.split("\r\n")
    assert len(pieces) > 1
    assert all(len(p.encode()) <= 75 for p in pieces)
    assert all(p.startswith(" ") for p in pieces[1:])
    assert "".join([pieces[0], *(p[1:] for p in pieces[1:])]) == line


def test_a_short_line_is_left_alone_and_empty_fields_are_left_out():
    text = VCard(name="李雷").serialize().decode()

    assert text == "BEGIN:VCARD\r\nVERSION:3.0\r\nN:李雷;;;;\r\nFN:李雷\r\nEND:VCARD\r\n"


def test_a_photo_is_linked_by_uri():
    lines = VCard(name="A", photo_url="https://x.test/media/a.jpg").lines()

    assert "PHOTO;VALUE=uri:https://x.test/media/a.jpg" in lines
