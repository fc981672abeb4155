"""Tests for :mod:`helpers.privacy`: keyed pseudonyms, key handling and the personal-data check."""

from __future__ import annotations

import hashlib
import hmac
import re
import stat

import numpy as np
import pandas as pd
import pytest

from helpers import privacy
from helpers.privacy import (
    EMAIL_PATTERN,
    KEY_ENV,
    PHONE_PATTERN,
    find_personal_data,
    load_key,
    pseudonym,
    pseudonymise,
)

KEY = b"0123456789abcdef0123456789abcdef"
OTHER_KEY = b"fedcba9876543210fedcba9876543210"


def random_phones(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    second = rng.integers(3, 10, n)
    rest = rng.integers(0, 10**9, n)
    return [f"1{s}{r:09d}" for s, r in zip(second, rest)]


# --------------------------------------------------------------------------- pseudonyms


def test_deterministic_for_a_key():
    assert pseudonym("13800138000", "phone", KEY) == pseudonym("13800138000", "phone", KEY)
    assert pseudonym("王伟", "name", KEY) == pseudonym("王伟", "name", bytes(KEY))


def test_different_key_different_pseudonym():
    for value, kind in [("13800138000", "phone"), ("王伟", "name"), ("a@example.com", "email")]:
        assert pseudonym(value, kind, KEY) != pseudonym(value, kind, OTHER_KEY)


def test_kind_is_part_of_the_hash():
    value = "same text"
    got = {kind: pseudonym(value, kind, KEY) for kind in ("name", "email")}
    assert got["name"].startswith("name_") and got["email"].startswith("email_")
    assert got["name"].split("_", 1)[1] != got["email"].split("_", 1)[1]


def test_format_is_keyed_hmac_base32():
    value = pseudonym("13800138000", "phone", KEY)
    assert re.fullmatch(r"phone_[a-z2-7]{13}", value)
    # without the key the value cannot be recomputed: an unkeyed hash gives something else
    plain = hashlib.sha256(b"phone:13800138000").hexdigest()
    assert plain[:13] not in value
    # and it is the documented construction
    import base64

    digest = hmac.new(KEY, b"phone:13800138000", hashlib.sha256).digest()
    assert value == "phone_" + base64.b32encode(digest).decode()[:13].lower()


def test_distinct_values_get_distinct_pseudonyms():
    phones = random_phones(20_000, seed=1)
    assert len({pseudonym(p, "phone", KEY) for p in set(phones)}) == len(set(phones))


@pytest.mark.parametrize("variant", ["13800138000", "+86 138-0013-8000", "+8613800138000", "0086 138 0013 8000",
                                     " 138 0013 8000 ", "１３８００１３８０００", "(+86) 138.0013.8000"])
def test_phone_normalisation(variant):
    assert pseudonym(variant, "phone", KEY) == pseudonym("13800138000", "phone", KEY)


def test_phone_normalisation_does_not_merge_different_numbers():
    assert pseudonym("13800138000", "phone", KEY) != pseudonym("13800138001", "phone", KEY)
    # an 11-digit number starting with 86 is not stripped
    assert pseudonym("86123456789", "phone", KEY) != pseudonym("123456789", "phone", KEY)


def test_email_case_insensitive_and_trimmed():
    base = pseudonym("mi_fan42@example.com", "email", KEY)
    assert pseudonym("Mi_Fan42@Example.COM", "email", KEY) == base
    assert pseudonym("  MI_FAN42@EXAMPLE.COM ", "email", KEY) == base
    assert pseudonym("mi_fan43@example.com", "email", KEY) != base


def test_name_whitespace_normalised():
    assert pseudonym(" 王  伟 ", "name", KEY) == pseudonym("王 伟", "name", KEY)
    assert pseudonym("王伟", "name", KEY) != pseudonym("王伟伟", "name", KEY)


def test_pseudonyms_never_look_like_phone_numbers():
    phones = random_phones(20_000, seed=2)
    assert all(re.fullmatch(PHONE_PATTERN, p) for p in phones[:100])  # the generator is right
    pseudonyms = pd.Series([pseudonym(p, "phone", KEY) for p in phones])
    assert not pseudonyms.str.contains(PHONE_PATTERN, regex=True).any()
    assert not pseudonyms.str.contains(EMAIL_PATTERN, regex=True).any()
    # base32 has no 0, 1, 8 or 9, so no run of digits can be a mobile number (they start with 1)
    assert not pseudonyms.str.contains(r"[0189]", regex=True).any()


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA, "", "   "])
def test_missing_stays_missing(missing):
    assert pseudonym(missing, "phone", KEY) is None


def test_unknown_kind():
    with pytest.raises(ValueError, match="kind"):
        pseudonym("x", "address", KEY)


def test_pseudonymise_frame():
    df = pd.DataFrame({
        "customer_id": ["1", "2", "3", "4"],
        "name": ["王伟", "李娜", None, "王伟"],
        "phone": ["13800138000", "+86 138-0013-8000", "13900000000", pd.NA],
        "email": ["A@example.com", "a@example.com", None, "b@example.com"],
        "city": ["北京", "上海", "广州", "深圳"],
    })
    original = df.copy()
    out = pseudonymise(df, {"name": "name", "phone": "phone", "email": "email", "absent": "name"}, key=KEY)
    pd.testing.assert_frame_equal(df, original)  # input untouched
    assert out["customer_id"].tolist() == df["customer_id"].tolist()
    assert out["city"].tolist() == df["city"].tolist()
    assert out.loc[0, "name"] == out.loc[3, "name"] == pseudonym("王伟", "name", KEY)
    assert out.loc[0, "phone"] == out.loc[1, "phone"]
    assert out.loc[0, "email"] == out.loc[1, "email"]
    assert out[["name", "phone", "email"]].isna().sum().tolist() == [1, 1, 1]
    assert find_personal_data(out).empty
    assert "absent" not in out.columns


def test_pseudonymise_uses_loaded_key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, "env-key")
    df = pd.DataFrame({"phone": ["13800138000"]})
    assert pseudonymise(df, {"phone": "phone"}).loc[0, "phone"] == pseudonym("13800138000", "phone", b"env-key")


# --------------------------------------------------------------------------- the key


def test_load_key_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(KEY_ENV, "secret-from-env")
    key_file = tmp_path / ".pseudonym_key"
    assert load_key(key_file) == b"secret-from-env"
    assert not key_file.exists()  # the environment wins; no file is written


def test_load_key_creates_file_with_mode_600(monkeypatch, tmp_path):
    monkeypatch.delenv(KEY_ENV, raising=False)
    key_file = tmp_path / ".pseudonym_key"
    key = load_key(key_file)
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert re.fullmatch(rb"[0-9a-f]{64}", key)  # 256 random bits
    assert load_key(key_file) == key  # read back, not regenerated
    other = tmp_path / "other_key"
    assert load_key(other) != key


def test_load_key_reads_existing_file(monkeypatch, tmp_path):
    monkeypatch.delenv(KEY_ENV, raising=False)
    key_file = tmp_path / "key.txt"
    key_file.write_text("my-team-key\n", encoding="utf-8")
    assert load_key(key_file) == b"my-team-key"
    monkeypatch.setenv(KEY_ENV, "")  # an empty variable does not count
    assert load_key(key_file) == b"my-team-key"


def test_default_key_file_is_git_ignored():
    assert privacy.KEY_FILE.name == ".pseudonym_key"
    gitignore = privacy.PROJECT_ROOT / ".gitignore"
    if gitignore.exists():
        assert ".pseudonym_key" in gitignore.read_text(encoding="utf-8").split()


# --------------------------------------------------------------------------- the leak check


def test_find_personal_data_finds_phones_and_emails():
    df = pd.DataFrame({
        "note": ["call +86 138-0013-8000 tomorrow", "nothing", None],
        "mobile": ["13800138000", "8613912345678", "12345"],
        "contact": ["a.b+c@example.com", "no mail", "x@y"],
        "amount": [1.0, 2.0, 3.0],
        "order_id": ["1130131012164", "10000000", "MD1"],
    })
    found = find_personal_data(df)
    hits = {(r.column, r.kind): r.values for r in found.itertuples()}
    assert hits == {("mobile", "phone"): 2, ("contact", "email"): 1}
    assert set(found["table"]) == {0}


def test_find_personal_data_several_frames_and_none():
    clean = pd.DataFrame({"customer_id": ["10000001"], "city": ["北京"]})
    leaky = pd.DataFrame({"remark": ["mi_fan1@example.com"]})
    found = find_personal_data(clean, None, leaky)
    assert found[["table", "column", "kind", "values"]].values.tolist() == [[2, "remark", "email", 1]]
    assert list(find_personal_data().columns) == ["table", "column", "kind", "values"]


def test_find_personal_data_empty_on_pseudonymised_frames():
    phones = random_phones(2_000, seed=3)
    raw = pd.DataFrame({
        "phone": phones,
        "email": [f"mi_fan{i}@example.com" for i in range(len(phones))],
        "name": ["王伟"] * len(phones),
    })
    assert set(find_personal_data(raw)["column"]) == {"phone", "email"}
    out = pseudonymise(raw, {"phone": "phone", "email": "email", "name": "name"}, key=KEY)
    assert find_personal_data(out).empty
