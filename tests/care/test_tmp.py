import pytest
from jiayi.care.models import ContactPlan

pytestmark = pytest.mark.django_db


def test_x(cw):
    c = cw.sign(cw.single, days_ago=100)
    p = ContactPlan.objects.get(resident=cw.single)
    print(p.next_due_on, p.signed_on, cw.today, c.status)
