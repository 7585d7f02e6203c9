import pytest

from regsim import Platform


@pytest.mark.parametrize("text", ["linux/amd64", "linux/arm64/v8", "windows/amd64"])
def test_parse_and_str(text):
    assert str(Platform.parse(text)) == text


@pytest.mark.parametrize("bad", ["linux", "a/b/c/d", "Linux/amd64", "", "linux/"])
def test_bad_platforms(bad):
    with pytest.raises(ValueError):
        Platform.parse(bad)


def test_matching():
    arm = Platform.parse("linux/arm64")
    assert arm.matches(Platform.parse("linux/arm64/v8")) and Platform.parse("linux/arm64/v8").matches(arm)
    assert not Platform.parse("linux/arm/v7").matches(Platform.parse("linux/arm/v6"))
    assert not arm.matches(Platform.parse("linux/amd64"))


def test_dict_round_trip():
    p = Platform("windows", "amd64", os_version="10.0.17763.1", os_features=("win32k",))
    assert Platform.from_dict(p.to_dict()) == p
