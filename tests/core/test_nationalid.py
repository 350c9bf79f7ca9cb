"""The 18-digit national ID, its blind index and masking (R-REG-3, R-SEC-3)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiayi.core import crypto, nationalid
from jiayi.core.errors import InvalidNationalId

VALID = "11010519491231002X"  # GB 11643 example: check digit X, a woman born 1949-12-31


def test_valid_id_decodes_birth_and_sex():
    nid = nationalid.parse(VALID)
    assert nid.birth_date == dt.date(1949, 12, 31)
    assert nid.sex == "F"
    assert nid.region_code == "110105"
    assert nationalid.parse(" 11010519491231002x ").value == VALID  # spaces and a lower-case x


@pytest.mark.parametrize(
    ("raw", "reason", "text"),
    [
        ("110105194912310021", "check_digit", "校验位错误"),
        ("110105194902300023", "birth_date", "出生日期不存在"),  # 30 February
        ("110105209901010011", "birth_date", "出生日期不可能"),  # in the future
        ("110105491231002", "legacy_15", "15位旧身份证"),
        ("1101051949123100", "length", "应为18位"),
        ("11010519491231002Y", "characters", "最后一位"),
        ("", "empty", "不能为空"),
    ],
)
def test_invalid_ids_say_why(raw, reason, text):
    with pytest.raises(InvalidNationalId) as exc:
        nationalid.parse(raw)
    assert exc.value.details["reason"] == reason
    assert text in str(exc.value.message)
    assert exc.value.code == "invalid_national_id"


@given(
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31)),
    seq=st.integers(0, 999),
    sex=st.sampled_from("MF"),
)
def test_made_ids_always_parse_back(birth, seq, sex):
    value = nationalid.make("500114", birth, seq, sex)
    nid = nationalid.parse(value)
    assert (nid.birth_date, nid.sex) == (birth, sex)
    # one changed check digit is always caught
    wrong = value[:17] + ("0" if value[17] != "0" else "1")
    assert not nationalid.is_valid(wrong)


def test_mask_keeps_prefix_and_last_four():
    assert nationalid.mask(VALID) == "1101**********002X"


def test_blind_index_is_keyed_deterministic_and_namespaced(settings):
    a = crypto.blind_index("nid", VALID)
    assert a == crypto.blind_index("nid", VALID)
    assert a != crypto.blind_index("phone", VALID)
    assert VALID not in a
    settings.JIAYI_INDEX_KEY = "11" * 32
    assert crypto.blind_index("nid", VALID) != a  # another key, another index


def test_encryption_round_trip_is_randomised():
    one, two = crypto.encrypt(VALID), crypto.encrypt(VALID)
    assert one != two and VALID not in one
    assert crypto.decrypt(one) == crypto.decrypt(two) == VALID
    assert crypto.encrypt("") == "" and crypto.decrypt("") == ""
