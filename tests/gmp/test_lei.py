import pytest

from cistrade_core.gmp.lei import lei_check_digits, lei_is_valid


@pytest.mark.parametrize("lei", ["5493001KJTIIGC8Y1R12", "7LTWFZYICNSX8D621K86",
                                 "529900T8BM49AURSDO55"])
def test_real_leis_pass(lei):
    assert lei_is_valid(lei)


@pytest.mark.parametrize("lei", ["5493001KJTIIGC8Y1R13", "5493001KJTIIGC8Y1R1",
                                 "5493001kjtiigc8y1r12", "5493001KJTIIGC8Y1RAB", ""])
def test_wrong_check_digits_or_shape_fail(lei):
    assert not lei_is_valid(lei)


def test_check_digits_complete_a_prefix():
    assert lei_check_digits("5493001KJTIIGC8Y1R") == "12"
    with pytest.raises(ValueError, match="18 upper-case"):
        lei_check_digits("short")
