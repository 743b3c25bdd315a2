"""Pinned masking formats (DESIGN.md §7) and the template filters that use them. No DB."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from collections_app import mask
from collections_app.templatetags.fv import bucket_class, masked, money


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("+8613812345678", "+86 138****5678"),
        ("0871-65123456", "087*****3456"),
        ("12345678", "123*5678"),
        ("1234567", "*******"),  # nothing would stay hidden: star it all
        ("123", "***"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_mobile(value, expected):
    assert mask.mask_mobile(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("530102199001011234", "530***********1234"),
        ("53010219900101123X", "530***********123X"),
        (" 530102199001011234 ", "530***********1234"),
        ("12345678", "123*5678"),
        ("1234567", "*******"),
        ("123", "***"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_national_id(value, expected):
    assert mask.mask_national_id(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("6222021234567890123", "622202*********0123"),
        ("6222 0212 3456 7890 123", "622202*********0123"),
        ("62220212345", "622202*2345"),
        ("6222021234", "**********"),
        ("123", "***"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_account(value, expected):
    assert mask.mask_account(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("张三", "张*"),
        ("王小明", "王**"),
        ("欧阳娜娜", "欧***"),
        ("张", "*"),  # a one-character name is the whole name
        (" 张三 ", "张*"),
        ("John Smith", "J*** S****"),
        ("Mary Ann O'Neil", "M*** A** O*****"),
        ("Madonna", "M******"),
        ("", ""),
        ("   ", ""),
        (None, ""),
    ],
)
def test_mask_name(value, expected):
    assert mask.mask_name(value) == expected


SECRETS = ["13812345678", "530102199001011234", "6222021234567890123", "王小明", "John Smith"]


@pytest.mark.parametrize("field", sorted(mask.MASKERS))
@pytest.mark.parametrize("value", [*SECRETS, "1", "12", "123", "1234", "张"])
def test_mask_never_returns_the_value(field, value):
    masked_value = mask.mask_field(field, value)
    assert masked_value != value
    assert mask.MASK in masked_value


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("name", "王小明", "王**"),
        ("national_id", "530102199001011234", "530***********1234"),
        ("mobile", "13812345678", "138****5678"),
        ("alt_phone", "13987654321", "139****4321"),
        ("account_number", "6222021234567890123", "622202*********0123"),
    ],
)
def test_mask_field_dispatch(field, value, expected):
    assert mask.mask_field(field, value) == expected


def test_mask_field_unknown_field():
    with pytest.raises(KeyError):
        mask.mask_field("email", "a@example.com")


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (Decimal("1234.5"), "CNY", "¥1,234.50"),
        (Decimal("1234567.891"), "CNY", "¥1,234,567.89"),
        (Decimal("0.005"), "CNY", "¥0.01"),  # half up, not banker's rounding
        (Decimal("0.015"), "CNY", "¥0.02"),
        (Decimal("0"), "CNY", "¥0.00"),
        (0, "CNY", "¥0.00"),
        (Decimal("-1234.5"), "CNY", "-¥1,234.50"),
        (Decimal("-0.001"), "CNY", "¥0.00"),
        ("99.9", "CNY", "¥99.90"),
        (Decimal("12.3"), "USD", "$12.30"),
        (Decimal("12.3"), "JPY", "JPY 12.30"),
        (None, "CNY", ""),
        ("", "CNY", ""),
    ],
)
def test_money_filter(value, currency, expected):
    assert money(value, currency) == expected


def test_money_filter_defaults_to_cny():
    assert money(Decimal("1234.5")) == "¥1,234.50"


@pytest.mark.parametrize(
    ("value", "field", "expected"),
    [
        ("13812345678", "mobile", "138****5678"),
        ("王小明", "name", "王**"),
        ("530102199001011234", "national_id", "530***********1234"),
        (None, "mobile", ""),
        ("", "name", ""),
    ],
)
def test_masked_filter(value, field, expected):
    assert masked(value, field) == expected


def test_filters_in_a_template():
    rendered = Template(
        "{% load fv %}{{ amount|money }} {{ phone|masked:'mobile' }} {{ who|masked:'name' }}"
    ).render(Context({"amount": Decimal("1234.5"), "phone": "13812345678", "who": "张三"}))
    assert rendered == "¥1,234.50 138****5678 张*"


@pytest.mark.parametrize(
    ("bucket", "expected"),
    [
        ("M0", "success"),
        ("M1", "warning"),
        ("M2", "warning"),
        ("M3", "danger"),
        ("M7", "danger"),
        ("", "success"),
    ],
)
def test_bucket_class(bucket, expected):
    assert bucket_class(bucket) == expected
