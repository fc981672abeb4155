"""Write the small sample exports in this folder (test fixtures; SIMULATED answers of 6 respondents).

Each file holds the same six made-up respondents (``expected.csv``, tidy codes) the way one survey
tool exports them, so tests/test_survey_io.py can check that every loader (every entry of
``helpers.survey.FORMATS``) gives back exactly ``expected.csv``. Run from the project root:
``.venv/bin/python data/raw/survey/samples/make_samples.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from helpers.survey import MULTI_SEP, load_codebook, write_sav

HERE = Path(__file__).resolve().parent
CB = load_codebook()
ITEMS = ["channel", "role", "department", "tenure", "incentive_pref", "s1_ckm_unknown", "s2_core_customers_new",
         "s3_culture_success", "s4_system_basic", "s5_structure_needed", "s6_no_incentive_hurts",
         "sha1", "sha3", "str3", "inc1", "sources"]
NA = None
# id, channel, role, department, tenure, incentive, s1..s6, sha1, sha3, str3, inc1, sources (codes; NA = no answer)
ROWS = [
    ("1", "offline", "counter_sales", "sales_service", "lt1", "material", 1, 1, 1, 0, 1, 1, 2, 5, 4, 1,
     ["conversations", "sales_records"]),
    ("2", "offline", "counter_sales", "sales_service", "y1_3", "material", 1, 1, 0, 1, 1, 1, 3, 4, 4, 2,
     ["conversations", "social_media"]),
    ("3", "online", "employee", "rnd_miui", "gt3", "spiritual", 0, 1, 1, 1, 1, 0, 4, 2, 3, 3,
     ["forum", "meetups", "service"]),
    ("4", "online", "employee", "marketing", "y1_3", "spiritual", 0, 0, 1, 0, 1, 1, 5, 1, 2, 4, NA),
    ("5", "online", "counter_sales", "sales_service", "lt1", "material", 1, 1, 1, 0, 0, 1, 3, 3, 5, NA,
     ["sales_records"]),
    ("6", "online", "employee", "supply_chain", "gt3", "spiritual", 0, 1, 0, 1, 1, 0, 4, 2, 1, 5,
     ["forum", "social_media", "conversations"]),
]
OPTIONS = CB.items["sources"].scale.codes
TIMES = ["2018/5/2 10:03:11", "2018/5/2 11:40:52", "2018/5/3 09:12:05", "2018/5/3 20:31:44", "2018/5/4 08:05:19",
         "2018/5/4 13:27:36"]


def expected() -> pd.DataFrame:
    """The six respondents as the tidy table every loader must return."""
    records = []
    for row in ROWS:
        rec = {"respondent_id": row[0]}
        rec.update(dict(zip(ITEMS[:-1], row[1:-1])))
        for code in OPTIONS:
            rec[f"sources{MULTI_SEP}{code}"] = NA if row[-1] is NA else int(code in row[-1])
        records.append(rec)
    frame = pd.DataFrame(records)
    for column in frame.columns[len(ITEMS):]:  # answers after the five attributes: nullable integers
        frame[column] = frame[column].astype("Int64")
    for column in ITEMS[5:-1]:
        frame[column] = frame[column].astype("Int64")
    return frame


def label(item: str, code, lang: str) -> str:
    if code is NA:
        return ""
    return getattr(CB.items[item].scale.level(code), lang)


def position(item: str, code) -> str:
    return str(CB.items[item].scale.codes.index(code) + 1)


def joined(codes, lang: str, sep: str) -> str:
    return "" if codes is NA else sep.join(label("sources", c, lang) for c in codes)


def plain_codes(df: pd.DataFrame) -> None:
    df.to_csv(HERE / "plain_codes.csv", index=False, lineterminator="\n")


def plain_labels_excel() -> None:
    """Excel, Chinese question wording as headers, Chinese answer labels, multi-select joined by ┋."""
    rows = []
    for row in ROWS:
        rec = {}
        for item, code in zip(ITEMS[:-1], row[1:-1]):
            rec[CB.items[item].text_zh] = label(item, code, "zh")
        rec[CB.items["sources"].text_zh] = joined(row[-1], "zh", "┋")
        rows.append(rec)
    pd.DataFrame(rows).to_excel(HERE / "plain_labels.xlsx", index=False)


def qualtrics() -> None:
    """Three header rows; metadata; choice text; matrix rows 'stem - statement'; multi joined by ','."""
    meta = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
            "RecordedDate", "ResponseId", "DistributionChannel", "UserLanguage"]
    stem = "How much do you agree with each statement?"
    tags, texts, imports = list(meta), list(meta), [json.dumps({"ImportId": m[0].lower() + m[1:]}) for m in meta]
    for q, item in enumerate(ITEMS[:11], start=1):
        tags.append(f"Q{q}")
        texts.append(CB.items[item].text_en)
        imports.append(json.dumps({"ImportId": f"QID{q}"}))
    for r, item in enumerate(ITEMS[11:15], start=1):
        tags.append(f"Q12_{r}")
        texts.append(f"{stem} - {CB.items[item].text_en}")
        imports.append(json.dumps({"ImportId": f"QID12_{r}"}))
    tags.append("Q13")
    texts.append(f"{CB.items['sources'].text_en} - Selected Choice")
    imports.append(json.dumps({"ImportId": "QID13"}))
    data = []
    for k, row in enumerate(ROWS):
        start = pd.Timestamp(TIMES[k].replace("/", "-"))
        rec = [str(start), str(start + pd.Timedelta(minutes=6)), "IP Address", f"203.0.113.{10 + k}", "100", "360",
               "True", str(start + pd.Timedelta(minutes=6)), f"R_{k + 1:02d}aBcD", "anonymous", "EN"]
        rec += [label(item, code, "en") for item, code in zip(ITEMS[:-1], row[1:-1])]
        rec.append(joined(row[-1], "en", ","))
        data.append(rec)
    frame = pd.DataFrame([tags, texts, imports] + data)
    frame.to_csv(HERE / "qualtrics.csv", index=False, header=False, lineterminator="\n", encoding="utf-8-sig")


def google_forms() -> None:
    """Timestamp first, an e-mail column, question titles, grid rows 'title [row]', checkboxes joined by ', '."""
    grid = "How much do you agree with each statement?"
    rows = []
    for k, row in enumerate(ROWS):
        when = pd.Timestamp(TIMES[k].replace("/", "-"))
        rec = {"Timestamp": when.strftime("%Y/%m/%d %I:%M:%S %p") + " GMT+8",
               "Email Address": f"respondent{k + 1}@example.com"}
        for item, code in zip(ITEMS[:11], row[1:12]):
            rec[CB.items[item].text_en] = label(item, code, "en")
        for item, code in zip(ITEMS[11:15], row[12:16]):
            rec[f"{grid} [{CB.items[item].text_en}]"] = label(item, code, "en")
        rec[CB.items["sources"].text_en] = joined(row[-1], "en", ", ")
        rows.append(rec)
    pd.DataFrame(rows).to_csv(HERE / "google_forms.csv", index=False, lineterminator="\n")


def _wjx_frame(code_export: bool) -> pd.DataFrame:
    rows = []
    for k, row in enumerate(ROWS):
        rec = {"序号": row[0], "提交答卷时间": TIMES[k], "所用时间": f"{200 + 17 * k}秒", "来源": "微信",
               "来源详情": "N/A", "来自IP": f"203.0.113.{10 + k}(广东-深圳)"}
        for q, (item, code) in enumerate(zip(ITEMS[:11], row[1:12]), start=1):
            rec[f"{q}、{CB.items[item].text_zh}"] = position(item, code) if code_export else label(item, code, "zh")
        for item, code in zip(ITEMS[11:15], row[12:16]):
            header = f"第12题({CB.items[item].text_zh})"
            if code is NA:  # the questionnaire's logic skipped this row for respondent 5
                rec[header] = "-2" if code_export else "(跳过)"
            else:
                rec[header] = position(item, code) if code_export else label(item, code, "zh")
        if code_export:
            for opt in CB.items["sources"].scale.levels:
                rec[f"第13题({opt.zh})"] = "-3" if row[-1] is NA else str(int(opt.code in row[-1]))
        else:
            rec["13、" + CB.items["sources"].text_zh] = "(跳过)" if row[-1] is NA else joined(row[-1], "zh", "┋")
        rows.append(rec)
    return pd.DataFrame(rows)


def wjx() -> None:
    """Wenjuanxing text and code exports, GB18030 as the site writes CSV."""
    _wjx_frame(False).to_csv(HERE / "wjx_text.csv", index=False, encoding="gb18030", lineterminator="\r\n")
    _wjx_frame(True).to_csv(HERE / "wjx_code.csv", index=False, encoding="gb18030", lineterminator="\r\n")


def spss(df: pd.DataFrame) -> None:
    tidy = df.copy()
    for item in ITEMS[:5]:
        scale = CB.items[item].scale
        tidy[item] = pd.Categorical(tidy[item], categories=scale.codes)
    write_sav(tidy, CB, HERE / "spss.sav")


def main() -> None:
    df = expected()
    df.to_csv(HERE / "expected.csv", index=False, lineterminator="\n")
    plain_codes(df)
    plain_labels_excel()
    qualtrics()
    google_forms()
    wjx()
    spss(df)


if __name__ == "__main__":
    main()
