import pytest

from linkmall.core.csvfiles import UTF8_OR_GBK, BadRow, CsvFileError, cell_text, decode, read_csv


def _pairs(cells):
    name, amount = cells
    if float(amount) < 0:
        raise BadRow(f"the amount must be ≥ 0, got {amount!r}")
    return name.strip(), float(amount)


def read(path, **options):
    return list(read_csv(path, columns=("name", "amount"), parse=_pairs, expected="a name and an amount", **options))


def test_the_columns_are_found_by_name_in_any_order_and_case_and_blank_lines_are_skipped(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("Amount , extra, NAME\n3.5,x, 李雷 \n\n0,y,韩梅梅\n", encoding="utf-8")

    assert read(path) == [("李雷", 3.5), ("韩梅梅", 0.0)]


def test_a_utf8_file_with_excels_byte_order_mark_reads_like_one_without(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes("\ufeffname,amount\n李雷,1\n".encode())

    assert read(path) == [("李雷", 1.0)]


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CsvFileError) as refused:
        read(tmp_path / "nowhere.csv")

    assert str(refused.value) == f"{tmp_path / 'nowhere.csv'}: no such file"


def test_a_missing_column_is_named_with_the_header_expected(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("name,total\n李雷,1\n", encoding="utf-8")

    with pytest.raises(CsvFileError) as refused:
        read(path)

    assert str(refused.value) == f"{path}: missing column(s) amount; expected a header with name, amount"


def test_a_bad_row_is_named_by_its_line_with_what_was_expected_and_what_came(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("name,amount\n李雷,1\n\n韩梅梅,lots\n", encoding="utf-8")

    with pytest.raises(CsvFileError) as refused:
        read(path)

    assert str(refused.value) == f"{path}, line 4: expected a name and an amount, got ['韩梅梅', 'lots']"


def test_a_short_row_is_a_bad_row(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("name,amount\n李雷\n", encoding="utf-8")

    with pytest.raises(CsvFileError) as refused:
        read(path)

    assert str(refused.value) == f"{path}, line 2: expected a name and an amount, got ['李雷']"


def test_a_row_the_parser_refuses_says_why_in_the_parsers_words(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("name,amount\n李雷,-1\n", encoding="utf-8")

    with pytest.raises(CsvFileError) as refused:
        read(path)

    assert str(refused.value) == f"{path}, line 2: the amount must be ≥ 0, got '-1'"


def test_line_numbers_count_the_lines_of_a_quoted_cell_that_spans_two(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text('name,amount\n"李\n雷",1\n韩梅梅,x\n', encoding="utf-8")

    with pytest.raises(CsvFileError) as refused:
        read(path)

    assert str(refused.value).startswith(f"{path}, line 4: ")


def test_refusals_are_raised_as_the_callers_own_error(tmp_path):
    class BadFile(Exception):
        pass

    with pytest.raises(BadFile) as refused:
        read(tmp_path / "nowhere.csv", error=BadFile)

    assert str(refused.value) == f"{tmp_path / 'nowhere.csv'}: no such file"


def test_a_gbk_file_is_refused_as_not_utf8_unless_the_reader_accepts_gbk(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes("name,amount\n李雷,1\n".encode("gb18030"))

    with pytest.raises(CsvFileError) as refused:
        read(path)

    assert str(refused.value) == f"{path}: not a UTF-8 CSV file"
    assert read(path, encodings=UTF8_OR_GBK) == [("李雷", 1.0)]
    path.write_bytes(b"name,amount\n\x81\xff,1\n")
    with pytest.raises(CsvFileError) as refused:
        read(path, encodings=UTF8_OR_GBK)
    assert str(refused.value) == f"{path}: not a UTF-8 or GBK CSV file"


def test_decode_tries_utf8_then_gbk_and_says_when_neither_fits():
    assert decode("李雷".encode()) == "李雷"
    assert decode("\ufeff李雷".encode()) == "李雷"
    assert decode("李雷".encode("gb18030")) == "李雷"
    with pytest.raises(UnicodeDecodeError):
        decode(b"\x81\xff")


def test_a_cell_reads_as_stripped_text_with_spreadsheet_whole_numbers_without_a_fraction():
    assert [cell_text(v) for v in (None, " 李雷 ", 12.0, 12.5, 7)] == ["", "李雷", "12", "12.5", "7"]
