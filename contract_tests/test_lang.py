"""Lang: 0 or 64, read as .NET int.Parse reads an integer."""

from __future__ import annotations

import pytest
from hypothesis import given

from ismart_sms_kit.contract_tests import strategies as s
from ismart_sms_kit.contract_tests.contract import Contract, agree
from ismart_sms_kit.contract_tests.oracle import parse_lang


@given(lang=s.lang_values(valid=True))
def test_zero_and_sixty_four_are_accepted_as_int_parse_reads_them(
    contract: Contract, lang: str
) -> None:
    _, exchange = contract.check(contract.base(Lang=lang), code=1)
    stored = contract.stored()
    if stored is not None:
        agree(
            [m["lang"] for m in stored],
            [parse_lang(lang)],
            what="Lang stored",
            says="Lang as .NET int.Parse reads it (A-LANG)",
            sent=exchange.request,
        )


@given(lang=s.lang_values(valid=False))
def test_anything_else_answers_10(contract: Contract, lang: str) -> None:
    contract.check(contract.base(Lang=lang), code=10)


def test_arabic_text_with_lang_0_is_accepted(contract: Contract) -> None:
    contract.check(contract.base(Lang="0", Message="مرحبا"), code=1)


@pytest.mark.parametrize("lang", ["٦٤", "６４"], ids=["arabic-indic", "fullwidth"])
def test_non_ascii_digits_are_not_a_language(contract: Contract, lang: str) -> None:
    contract.check(contract.base(Lang=lang), code=10)


@pytest.mark.parametrize("lang", ["64\u00a0", "\x1c64"], ids=["nbsp", "file-separator"])
def test_only_ascii_white_space_may_surround_lang(contract: Contract, lang: str) -> None:
    contract.check(contract.base(Lang=lang), code=10)
