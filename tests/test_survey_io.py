"""Tests for reading surveys (:mod:`helpers.survey`: codebook, format registry, reader, export).

Every sample export in ``data/raw/survey/samples/`` holds the same six made-up respondents; each
loader must give back exactly ``expected.csv``; every entry of the format registry
(:data:`helpers.survey.FORMATS`) names its samples and is checked on them. Bad answers and unknown columns must raise
:class:`DataError` naming the column and the respondent row, never become a silent NaN.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import xlwt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.acquire import decode_text
from helpers.errors import DataError
from helpers.survey import (
    CODEBOOK_PATH,
    FORMATS,
    SAMPLES_DIR,
    SurveyFormat,
    clean_cell,
    detect_format,
    load_codebook,
    match_header,
    normalise,
    read_survey,
    to_export_frame,
    write_sav,
)

CB = load_codebook()
EXPECTED = pd.read_csv(SAMPLES_DIR / "expected.csv", dtype=str, keep_default_na=False)
SAMPLES = {sample: fmt.name for fmt in FORMATS.values() for sample in fmt.samples}  # the registry names them
PUBLISHED = {"s1_ckm_unknown": 0.56, "s2_core_customers_new": 0.86, "s3_culture_success": 0.73,
             "s4_system_basic": 0.45, "s5_structure_needed": 0.86, "s6_no_incentive_hurts": 0.76}


def as_text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as text, missing as '' (how expected.csv is read)."""
    out = frame.astype(object).where(frame.notna(), "")
    return out.map(str).reset_index(drop=True)


# --------------------------------------------------------------------------- codebook


def test_codebook_holds_the_papers_six_statements_with_published_shares():
    statements = CB.items_of("statement")
    assert {it.id: it.published_share for it in statements} == PUBLISHED
    assert all(it.scale.type == "binary" and it.scale.codes == [1, 0] for it in statements)


def test_codebook_items_have_both_languages_a_dimension_and_a_source():
    for it in CB.items.values():
        assert it.text_en and it.text_zh and it.short_en and it.short_zh, it.id
        if it.kind in ("likert", "statement"):
            assert it.dimension in CB.dimensions, it.id
            assert it.source, it.id
    likert = CB.items_of("likert")
    dims = {it.dimension for it in likert}
    assert dims == {"acquisition", "integration", "sharing", "application", "culture", "structure", "incentives"}
    assert all(sum(it.dimension == d for it in likert) >= 3 for d in dims)
    assert [it.id for it in likert if it.reverse] == ["int3", "sha3", "str3"]
    assert {it.id for it in CB.items_of("attribute")} == {"channel", "role", "department", "tenure",
                                                         "incentive_pref"}
    assert CB.items["department"].scale.codes == ["rnd_miui", "marketing", "sales_service", "supply_chain"]
    assert {"channel_role_split", "departments"} <= set(CB.assumptions)


@pytest.mark.parametrize("bad, message", [
    ("items:\n  - {id: a, kind: likert, scale: nope, text_en: A, text_zh: 甲}\n", "scale 'nope'"),
    ("scales:\n  s: {type: likert, levels: [{code: 1, en: A, zh: 甲}]}\n"
     "items:\n  - {id: a, kind: likert, scale: s}\n  - {id: a, kind: likert, scale: s}\n", "duplicate item id"),
    ("scales:\n  s: {type: likert, levels: [{code: 1, en: Agree, zh: 甲}, {code: 2, en: B, zh: 乙, aliases: [agree]}]}\n"
     "items:\n  - {id: a, kind: likert, scale: s}\n", "would mean both"),
    ("scales:\n  s: {type: nominal, levels: [{code: x, en: X, zh: 甲}]}\n"
     "items:\n  - {id: a, kind: attribute, scale: s, reverse: true}\n", "only Likert items"),
    ("scales:\n  s: {type: binary, levels: [{code: 1, en: Y, zh: 是}]}\n"
     "items:\n  - {id: a, kind: statement, scale: s, published_share: 56}\n", "published_share"),
])
def test_codebook_mistakes_are_data_errors(tmp_path, bad, message):
    path = tmp_path / "codebook.yml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(DataError, match=message) as info:
        load_codebook(path)
    assert "codebook.yml" in str(info.value)


def test_codebook_table_lists_every_item():
    table = CB.table()
    assert len(table) == len(CB.items) == 33
    assert list(table["id"]) == list(CB.items)


# --------------------------------------------------------------------------- header matching


@pytest.mark.parametrize("header, target", [
    ("sha1", ("sha1", None)),
    ("sources__forum", ("sources", "forum")),
    ("7、(我会与同事分享有用的客户知识。)", ("sha1", None)),
    ("第12题(我会与同事分享有用的客户知识。)", ("sha1", None)),
    ("第13题(小米社区论坛)", ("sources", "forum")),
    ("Q3 - I share useful customer knowledge with my colleagues.", ("sha1", None)),
    ("How much? [I share useful customer knowledge with my colleagues.]", ("sha1", None)),
    ("1、您参与本次调查的方式是？", ("channel", None)),
    ("  I SHARE useful customer knowledge with my colleagues  ", ("sha1", None)),
])
def test_headers_are_matched_to_items(header, target):
    found = match_header(header, CB)
    assert found is not None and (found.item, found.option) == target


def test_unknown_header_is_not_matched():
    assert match_header("How satisfied are you with the canteen?", CB) is None


def test_normalise_ignores_width_case_punctuation_and_spaces():
    assert normalise("１、 Agree！") == normalise("1 agree") == "1agree"
    assert normalise("（小米社区论坛）") == "小米社区论坛"


# --------------------------------------------------------------------------- the sample exports


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_registered_format_is_detected_and_reads_to_the_expected_respondents(fmt):
    """One test over the format registry: each entry's sample exports are detected as that format and
    read (format detected, and format given) to exactly ``expected.csv``."""
    entry = FORMATS[fmt]
    assert isinstance(entry, SurveyFormat) and entry.name == fmt and entry.description
    assert entry.samples, f"format {fmt!r} names no sample export in {SAMPLES_DIR}"
    columns = [c for c in EXPECTED.columns if c != "respondent_id"]
    for sample in entry.samples:
        path = SAMPLES_DIR / sample
        assert detect_format(path) == fmt, sample
        for stated in (None, fmt):
            data = read_survey(path, stated)
            assert data.source["format"] == fmt and data.n == len(EXPECTED), sample
            got = as_text_frame(data.responses)
            assert list(got.columns) == list(EXPECTED.columns), sample
            pd.testing.assert_frame_equal(got[columns], EXPECTED[columns])


def test_every_sample_export_is_named_by_a_registered_format():
    exports = {p.name for p in SAMPLES_DIR.iterdir() if p.is_file()} - {"expected.csv", "make_samples.py"}
    assert exports == set(SAMPLES), "a sample export no format names, or a format naming a missing file"


@pytest.mark.parametrize("name", list(SAMPLES))
def test_every_sample_export_reads_to_the_expected_respondents(name):
    data = read_survey(SAMPLES_DIR / name, SAMPLES[name])
    got = as_text_frame(data.responses)
    assert list(got.columns) == list(EXPECTED.columns)
    columns = [c for c in EXPECTED.columns if c != "respondent_id"]
    pd.testing.assert_frame_equal(got[columns], EXPECTED[columns])
    assert data.source["format"] == SAMPLES[name] and data.source["rows"] == 6
    # the tidy types: attributes Categorical with the codebook's codes, answers nullable integers
    assert list(data.responses["department"].cat.categories) == CB.items["department"].scale.codes
    assert str(data.responses["sha3"].dtype) == "Int64"
    assert data.responses["inc1"].isna().sum() == 1 and data.responses["sources__forum"].isna().sum() == 1


@pytest.mark.parametrize("name", list(SAMPLES))
def test_detected_format_gives_the_same_table(name):
    explicit = read_survey(SAMPLES_DIR / name, SAMPLES[name]).responses
    detected = read_survey(SAMPLES_DIR / name).responses
    pd.testing.assert_frame_equal(explicit, detected)


def test_respondent_ids_come_from_each_tools_id_column():
    assert list(read_survey(SAMPLES_DIR / "qualtrics.csv").responses["respondent_id"]) == [
        f"R_{k:02d}aBcD" for k in range(1, 7)]
    for name in ("wjx_text.csv", "wjx_code.csv", "plain_codes.csv", "spss.sav", "google_forms.csv"):
        assert list(read_survey(SAMPLES_DIR / name).responses["respondent_id"]) == [str(k) for k in range(1, 7)]


@pytest.mark.parametrize("name", ["wjx_text.csv", "wjx_code.csv"])
def test_wenjuanxing_skips_are_missing_by_design_not_errors(name):
    data = read_survey(SAMPLES_DIR / name)
    missing = data.missing.set_index("column")
    assert missing.loc["inc1", "skipped"] == 1 and missing.loc["inc1", "blank"] == 0
    assert (missing.loc[[c for c in missing.index if c.startswith("sources__")], "skipped"] == 1).all()
    assert missing.drop(index=["inc1"] + [c for c in missing.index if c.startswith("sources__")]).sum().sum() == 0


def test_blank_answers_are_counted_as_blank():
    missing = read_survey(SAMPLES_DIR / "google_forms.csv").missing.set_index("column")
    assert missing.loc["inc1", "blank"] == 1 and missing.loc["inc1", "skipped"] == 0


def test_wenjuanxing_exports_are_gb18030_and_metadata_is_dropped():
    raw = (SAMPLES_DIR / "wjx_text.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "┋" in raw.decode("gb18030")
    data = read_survey(SAMPLES_DIR / "wjx_text.csv")
    assert data.source["encoding"] == "gb18030"
    assert data.dropped == ["提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
    assert not any("IP" in c or "时间" in c for c in data.responses.columns)


def test_personal_metadata_never_reaches_the_responses():
    google = read_survey(SAMPLES_DIR / "google_forms.csv")
    assert "Email Address" in google.dropped
    assert not google.responses.astype(str).apply(lambda c: c.str.contains("@")).any().any()
    qualtrics = read_survey(SAMPLES_DIR / "qualtrics.csv")
    assert "IPAddress" in qualtrics.dropped
    assert not qualtrics.responses.astype(str).apply(lambda c: c.str.contains("203.0.113")).any().any()


def test_google_forms_option_containing_the_separator_stays_whole():
    data = read_survey(SAMPLES_DIR / "google_forms.csv")
    # respondent 2 chose "Face-to-face conversations" and "Social media (Weibo, WeChat)"
    row = data.responses.iloc[1]
    assert row["sources__social_media"] == 1 and row["sources__conversations"] == 1
    assert row[[c for c in data.responses if c.startswith("sources__")]].sum() == 2


def test_spss_sample_carries_value_and_variable_labels():
    _, meta = pyreadstat.read_sav(str(SAMPLES_DIR / "spss.sav"))
    assert meta.variable_value_labels["sha3"][5.0] == "Strongly agree"
    assert meta.variable_value_labels["role"] == {1.0: "Store-counter sales staff",
                                                 2.0: "Employee in a company department"}
    assert dict(zip(meta.column_names, meta.column_labels))["sha1"] == CB.items["sha1"].text_en


def test_old_excel_xls_export_reads_too(tmp_path):
    """问卷星 also offers .xls downloads (pandas 3 reads them with python-calamine)."""
    grid = pd.read_csv(SAMPLES_DIR / "wjx_text.csv", encoding="gb18030", dtype=str, header=None,
                       keep_default_na=False)
    book = xlwt.Workbook()
    sheet = book.add_sheet("Sheet1")
    for (i, j), value in np.ndenumerate(grid.to_numpy()):
        sheet.write(i, j, value)
    book.save(str(tmp_path / "wjx_text.xls"))
    data = read_survey(tmp_path / "wjx_text.xls")
    assert data.source["format"] == "wjx_text"
    columns = [c for c in EXPECTED.columns if c != "respondent_id"]
    pd.testing.assert_frame_equal(as_text_frame(data.responses)[columns], EXPECTED[columns])


# --------------------------------------------------------------------------- errors, not silent NaN


def _edit(tmp_path: Path, name: str, old: str, new: str, encoding: str = "utf-8") -> Path:
    text = (SAMPLES_DIR / name).read_text(encoding=encoding)
    assert old in text
    out = tmp_path / name
    out.write_text(text.replace(old, new, 1), encoding=encoding)
    return out


def test_answer_outside_the_codebook_names_column_row_and_respondent(tmp_path):
    path = _edit(tmp_path, "google_forms.csv", "Neither agree nor disagree,Agree,Agree,Disagree",
                 "Neither agree nor disagree,Maybe,Agree,Disagree")
    with pytest.raises(DataError) as info:
        read_survey(path, "google_forms")
    err, text = info.value, str(info.value)
    assert err.row == 2 and "Because sales rewards are paid quarterly" in err.column
    assert "'Maybe'" in text and "sha3" in text and "respondent '2'" in text and "file line 3" in text
    assert "Strongly agree" in text  # the allowed answers are listed


def test_qualtrics_bad_answer_row_counts_data_rows_after_three_headers(tmp_path):
    path = _edit(tmp_path, "qualtrics.csv", "R_03aBcD,anonymous,EN,Online questionnaire",
                 "R_03aBcD,anonymous,EN,By carrier pigeon", encoding="utf-8-sig")
    with pytest.raises(DataError) as info:
        read_survey(path)
    assert info.value.row == 3 and "channel" in str(info.value) and "file line 6" in str(info.value)
    assert "R_03aBcD" in str(info.value)


def test_wenjuanxing_code_out_of_range_position_is_an_error(tmp_path):
    text = (SAMPLES_DIR / "wjx_code.csv").read_text(encoding="gb18030").splitlines()
    cells = text[4].split(",")
    header = text[0].split(",")
    j = header.index("第12题(由于销售奖励按季度发放，我会把有用的客户信息留给自己。)")
    cells[j] = "7"
    text[4] = ",".join(cells)
    path = tmp_path / "wjx_code.csv"
    path.write_text("\r\n".join(text) + "\r\n", encoding="gb18030")
    with pytest.raises(DataError, match="option position '7'") as info:
        read_survey(path)
    assert info.value.row == 4 and info.value.column == header[j]
    assert "1=非常不同意" in str(info.value)


def test_wenjuanxing_option_flag_other_than_0_1_is_an_error(tmp_path):
    text = (SAMPLES_DIR / "wjx_code.csv").read_text(encoding="gb18030").splitlines()
    text[1] = text[1][: text[1].rfind(",")] + ",2"
    path = tmp_path / "wjx_code.csv"
    path.write_text("\r\n".join(text) + "\r\n", encoding="gb18030")
    with pytest.raises(DataError, match="0/1 flag '2'") as info:
        read_survey(path)
    assert info.value.row == 1 and "微博" in info.value.column


def test_unknown_column_is_an_error_with_a_suggestion(tmp_path):
    frame = pd.read_csv(SAMPLES_DIR / "plain_codes.csv", dtype=str)
    frame["I share useful customer knowledge with colleagues"] = "3"  # close to sha1's wording
    frame = frame.drop(columns=["sha1"])
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError) as info:
        read_survey(path)
    assert info.value.column == "I share useful customer knowledge with colleagues"
    assert "not in the codebook" in str(info.value) and "'sha1'" in str(info.value)
    mapped = read_survey(path, columns={"I share useful customer knowledge with colleagues": "sha1"})
    assert (mapped.responses["sha1"] == 3).all()
    ignored = read_survey(path, ignore=["I share useful customer knowledge with colleagues"])
    assert "sha1" not in ignored.responses


def test_two_columns_for_one_item_is_an_error(tmp_path):
    frame = pd.read_csv(SAMPLES_DIR / "plain_codes.csv", dtype=str)
    frame[CB.items["sha1"].text_en] = frame["sha1"]
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError, match="maps onto item 'sha1'"):
        read_survey(path)


def test_qualtrics_without_import_id_row_is_refused(tmp_path):
    lines = (SAMPLES_DIR / "qualtrics.csv").read_text(encoding="utf-8-sig").splitlines()
    path = tmp_path / "q.csv"
    path.write_text("\n".join(lines[:2] + lines[3:]) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="three header rows"):
        read_survey(path, "qualtrics")


def test_missing_file_and_unknown_format_are_errors(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_survey(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="unknown survey format"):
        read_survey(SAMPLES_DIR / "plain_codes.csv", "surveymonkey")
    assert set(FORMATS) == set(SAMPLES.values())


def test_a_file_of_no_survey_file_type_is_an_error(tmp_path):
    path = tmp_path / "export.json"
    path.write_text('{"sha1": 3}', encoding="utf-8")
    for read in (detect_format, read_survey):
        with pytest.raises(DataError, match="unknown file type '.json'"):
            read(path)


# --------------------------------------------------------------------------- every respondent once (screening)
# (the hostile corpus, tests/test_hostile_survey.py, has one real-shaped file per trap; these pin the rules)


def _plain(tmp_path: Path, rows: list[str], name: str = "p.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_repeated_id_keeps_the_submission_asked_for(tmp_path):
    lines = (SAMPLES_DIR / "plain_codes.csv").read_text(encoding="utf-8").splitlines()
    changed = lines[2].replace(",3,4,4,2,", ",3,4,4,5,")  # respondent 2 again, inc1 2 → 5
    path = _plain(tmp_path, lines + [changed])
    with pytest.raises(DataError, match=r"respondent '2' appears in rows 2 and 7 with different answers \(inc1\)"):
        read_survey(path)
    first, last = read_survey(path, duplicates="first"), read_survey(path, duplicates="last")
    assert first.n == last.n == 6
    assert first.responses.set_index("respondent_id").loc["2", "inc1"] == 2
    assert last.responses.set_index("respondent_id").loc["2", "inc1"] == 5
    assert first.excluded[["row", "respondent_id", "reason"]].values.tolist() == [[7, "2", "duplicate"]]
    assert last.excluded["row"].tolist() == [2] and "row 7 kept" in last.excluded.loc[0, "detail"]
    with pytest.raises(DataError, match="duplicates='any' is not one of"):
        read_survey(path, duplicates="any")


def test_identical_answers_without_ids_or_times_are_two_respondents(tmp_path):
    """Answers only (no id, no tool metadata): two people may answer alike, nothing is dropped."""
    path = _plain(tmp_path, ["sha1,sha3", "4,2", "4,2", "3,1"])
    data = read_survey(path)
    assert data.n == 3 and data.excluded.empty and data.source["rows_read"] == 3


def test_summary_words_mark_a_row_only_below_the_respondents(tmp_path):
    path = _plain(tmp_path, ["respondent_id,sha1,sha3", "Total,4,2", "2,3,1", "Average,3.5,1.5", "合计,7,3"])
    data = read_survey(path)
    assert data.responses["respondent_id"].tolist() == ["Total", "2"]  # "Total" among respondents is an id
    assert data.excluded[["row", "reason"]].values.tolist() == [[3, "summary_row"], [4, "summary_row"]]


def test_errors_after_an_excluded_row_name_the_files_data_row(tmp_path):
    lines = (SAMPLES_DIR / "plain_codes.csv").read_text(encoding="utf-8").splitlines()
    bad = lines[5].replace(",3,3,5,", ",3,3,9,")  # respondent 5: str3 = 9
    assert bad != lines[5]
    path = _plain(tmp_path, lines[:3] + [lines[0]] + lines[3:5] + [bad] + lines[6:])
    with pytest.raises(DataError) as info:
        read_survey(path)
    assert info.value.row == 6 and info.value.column == "str3" and "file line 7" in str(info.value)


def test_ids_are_compared_after_nfkc_and_without_invisible_characters():
    assert clean_cell("\uff11\uff12") == clean_cell("12\u00a0") == clean_cell("\u200b12\ufeff") == "12"
    assert clean_cell(" Ａgree ") == "Agree" and clean_cell(None) is pd.NA


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_text_exports_with_a_byte_order_mark_are_decoded_by_it(tmp_path, encoding):
    text = (SAMPLES_DIR / "plain_codes.csv").read_text(encoding="utf-8").replace(",", "\t")
    path = tmp_path / "unicode.txt"
    bom = {"utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    path.write_bytes(bom + text.encode(encoding))
    decoded, used = decode_text(path)
    assert decoded.lstrip("\ufeff") == text
    data = read_survey(path)
    assert data.n == 6 and data.source["encoding"] == used


def test_spss_scale_labelled_the_other_way_in_full_is_reversed_too(tmp_path):
    frame, meta = pyreadstat.read_sav(str(SAMPLES_DIR / "spss.sav"))
    labels = dict(meta.variable_value_labels)
    frame["sha3"] = 6 - frame["sha3"]
    labels["sha3"] = {float(6 - lv.code): lv.en for lv in CB.items["sha3"].scale.levels}  # every level, reversed
    pyreadstat.write_sav(frame, str(tmp_path / "r.sav"), column_labels=meta.column_labels,
                         variable_value_labels=labels)
    data = read_survey(tmp_path / "r.sav")
    assert data.responses["sha3"].astype(str).tolist() == EXPECTED["sha3"].tolist()
    assert any(note.startswith("sha3: value labels run the other way") for note in data.source["notes"])


# --------------------------------------------------------------------------- round trips (properties)

LIKERT = [it.id for it in CB.items_of("likert")]


@st.composite
def tidy_responses(draw):
    n = draw(st.integers(min_value=1, max_value=8))
    frame = {"respondent_id": [str(i) for i in range(1, n + 1)]}
    for item in CB.items.values():
        for column in item.columns:
            choices = item.scale.codes if item.kind != "multi" else [0, 1]
            frame[column] = draw(st.lists(st.one_of(st.none(), st.sampled_from(choices)), min_size=n, max_size=n))
    out = pd.DataFrame(frame)
    for item in CB.items.values():
        for column in item.columns:
            if item.kind == "attribute":
                out[column] = pd.Categorical(out[column], categories=item.scale.codes, ordered=item.scale.ordered)
            else:
                out[column] = out[column].astype("Int64")
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tidy_responses(), st.sampled_from(["en", "zh", None]))
def test_plain_export_with_labels_or_codes_round_trips(frame, labels):
    folder = Path(tempfile.mkdtemp())
    try:
        path = folder / "export.csv"
        to_export_frame(frame, CB, labels=labels).to_csv(path, index=False, encoding="utf-8-sig")
        back = read_survey(path, "plain").responses
        pd.testing.assert_frame_equal(as_text_frame(back), as_text_frame(frame))
    finally:
        shutil.rmtree(folder)


@settings(max_examples=10, deadline=None)
@given(tidy_responses())
def test_spss_round_trip(frame):
    folder = Path(tempfile.mkdtemp())
    try:
        path = write_sav(frame, CB, folder / "export.sav")
        back = read_survey(path, "spss").responses
        pd.testing.assert_frame_equal(as_text_frame(back), as_text_frame(frame))
    finally:
        shutil.rmtree(folder)


def test_default_codebook_path_is_the_staff_survey():
    assert CODEBOOK_PATH.name == "codebook.yml" and CB.meta["instrument"] == "ckm_staff_survey"
