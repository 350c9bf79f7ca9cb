import pytest

from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def test_resident_factory_encrypts_id():
    r = ResidentFactory(national_id="11010519491231002X")
    assert r.id_masked == "1101**********002X"
    assert r.national_id == "11010519491231002X"
    assert r.birth_date.isoformat() == "1949-12-31"
    assert r.sex == "F"
