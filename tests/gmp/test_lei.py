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


def test_check_digits_of_a_whole_column_agree_with_one_at_a_time():
    import random
    import string

    import pyarrow as pa

    from cistrade_core.gmp.lei import lei_check_digits, lei_is_valid, lei_valid

    rng = random.Random(17442)
    values = []
    for i in range(600):
        base = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(18))
        values.append(base + (lei_check_digits(base) if i % 2 else f"{rng.randint(0, 99):02d}"))
    for base in ("Z" * 18, "9" * 18, "A" * 18, "0" * 18):   # the largest and smallest numbers
        values += [base + lei_check_digits(base), base + "99"]
    values += [None, "", "5493001kjtiigc8y1r12", "5493001KJTIIGC8Y1RAB", "5493001KJTIIGC8Y1R"]
    column = pa.chunked_array([pa.array(values[:250]), pa.array(values[250:])])
    assert lei_valid(column).tolist() == [v is not None and lei_is_valid(v) for v in values]
