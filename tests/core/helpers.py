"""Small builders shared by the core tests: a county with an institution, a team and logins."""

from jiayi.core.models import Role
from tests.factories import (
    InstitutionFactory,
    TeamFactory,
    UserFactory,
    county,
    township,
    village,
)

PASSWORD = "pass-word-123"


def make_place(code6="500114", name="黔江区", n=1):
    c = county(code6, name)
    t = township(c, n)
    v = village(t, n)
    inst = InstitutionFactory(region=t, name=f"{name}第{n}卫生院")
    team = TeamFactory(institution=inst, name=f"{name}第{n}团队")
    return {"county": c, "township": t, "village": v, "institution": inst, "team": team}


def user(role, username=None, **scope):
    return UserFactory(username=username or f"{role}_{id(scope) % 100000}", role=role, **scope)


def sysadmin(username="root"):
    return UserFactory(username=username, role=Role.SYSADMIN)
