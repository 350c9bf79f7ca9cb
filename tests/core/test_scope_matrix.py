"""The scope matrix (R-SEC-1): for every role × object kind × action, a user scoped to side A
sees A's objects and never B's (another institution in the same county) or C's (another county).

Institutions are reference data inside a county (referrals and specialists cross them), so for
institutions and for the county-wide roles (commission, finance) the "foreign" side is C only.
Each cell of the matrix is one test id, e.g. `test_list_page[inst_admin-resident]`.
"""

import datetime as dt
import io

import pytest
from django.urls import NoReverseMatch, reverse
from openpyxl import load_workbook

from jiayi.core.models import Role
from jiayi.registry.models import (
    CommunityKind,
    CommunityMembership,
    FunctionalCommunity,
    Household,
    InstitutionKind,
    PopulationBaseline,
    Relation,
    Resident,
)
from jiayi.teams.models import Team, TeamMembership, TeamRole
from tests.core.helpers import PASSWORD
from tests.factories import (
    InstitutionFactory,
    PractitionerFactory,
    ResidentFactory,
    TeamFactory,
    UserFactory,
    county,
    make_national_id,
    township,
    village,
)

pytestmark = pytest.mark.django_db

SIDES = {"A": "甲", "B": "乙", "C": "丙"}
ROLES = [
    Role.SYSADMIN,
    Role.COMMISSION,
    Role.FINANCE,
    Role.INSTITUTION_ADMIN,
    Role.TEAM_LEADER,
    Role.DOCTOR,
    Role.TEAM_MEMBER,
    Role.REFERRAL_DESK,
    Role.RESIDENT,
]
PEOPLE = {
    Role.SYSADMIN,
    Role.COMMISSION,
    Role.INSTITUTION_ADMIN,
    Role.TEAM_LEADER,
    Role.DOCTOR,
    Role.TEAM_MEMBER,
    Role.RESIDENT,
}
STAFF = set(ROLES) - {Role.RESIDENT}
ADMIN = {Role.SYSADMIN, Role.COMMISSION, Role.FINANCE, Role.INSTITUTION_ADMIN}

# kind: (list url, detail url, api list path, roles expected to use the list, name of the marker)
KINDS = {
    "resident": ("registry:resident_list", "registry:resident_detail", "/api/registry/residents", PEOPLE),
    "household": ("registry:household_list", "registry:household_detail", "/api/registry/households", PEOPLE),
    "community": (
        "registry:community_list",
        "registry:community_detail",
        "/api/registry/communities",
        PEOPLE,
    ),
    "team": ("teams:team_list", "teams:team_detail", "/api/teams/teams", STAFF),
    "practitioner": (
        "teams:practitioner_list",
        "teams:practitioner_detail",
        "/api/teams/practitioners",
        STAFF,
    ),
    "institution": (
        "registry:institution_list",
        "registry:institution_detail",
        "/api/registry/institutions",
        STAFF,
    ),
    "baseline": ("registry:baseline_list", None, "/api/registry/baselines", ADMIN),
}
API_DETAIL = {
    "resident": "/api/registry/residents/{}",
    "household": "/api/registry/households/{}",
    "community": "/api/registry/communities/{}",
    "team": "/api/teams/teams/{}",
    "practitioner": "/api/teams/practitioners/{}",
    "institution": "/api/registry/institutions/{}",
}


def _url(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        pytest.skip(f"URL {name} does not exist yet")


def _side(code6, cname, tn, s, institution_region=None):
    c = county(code6, cname)
    t = township(c, tn)
    v = village(t, tn)
    ch = SIDES[s]
    inst = InstitutionFactory(region=t, name=f"{ch}方卫生院", kind=InstitutionKind.THC)
    doc = PractitionerFactory(institution=inst, name=f"{ch}方医生")
    team = TeamFactory(institution=inst, name=f"{ch}方团队", leader=doc)
    TeamMembership.objects.create(team=team, practitioner=doc, role=TeamRole.LEADER)
    nid = make_national_id(dt.date(1950 + tn, 3, 4), "M", code6)
    person = ResidentFactory(
        institution=inst, region=v, name=f"{ch}方居民", national_id=nid, team=team, responsible_doctor=doc
    )
    unsigned = ResidentFactory(institution=inst, region=v, name=f"{ch}方未签居民")
    hh = Household.objects.create(code=f"HH{s}90001", region=v, institution=inst, team=team, head=person)
    Resident.objects.filter(pk=person.pk).update(household=hh, relation=Relation.HEAD)
    person.refresh_from_db()
    fc = FunctionalCommunity.objects.create(
        name=f"{ch}方社区", kind=CommunityKind.ENTERPRISE, region=v, institution=inst
    )
    CommunityMembership.objects.create(community=fc, resident=person)
    base = PopulationBaseline.objects.create(institution=inst, year=2024, count=30000 + 1117 * (tn + 1))
    return {
        "county": c,
        "village": v,
        "institution": inst,
        "practitioner": doc,
        "team": team,
        "resident": person,
        "unsigned": unsigned,
        "nid": nid,
        "household": hh,
        "community": fc,
        "baseline": base,
    }


@pytest.fixture
def world():
    w = {
        "A": _side("500114", "黔江区", 1, "A"),
        "B": _side("500114", "黔江区", 2, "B"),
        "C": _side("500115", "长寿区", 3, "C"),
    }
    a = w["A"]
    hospital = InstitutionFactory(region=a["county"], kind=InstitutionKind.SECONDARY_HOSPITAL, name="区医院")
    scope = {
        Role.SYSADMIN: {},
        Role.COMMISSION: {"region": a["county"]},
        Role.FINANCE: {"region": a["county"]},
        Role.INSTITUTION_ADMIN: {"institution": a["institution"]},
        Role.TEAM_LEADER: {"team": a["team"]},
        Role.DOCTOR: {"team": a["team"]},
        Role.TEAM_MEMBER: {"team": a["team"]},
        Role.REFERRAL_DESK: {"institution": hospital},
        Role.RESIDENT: {"resident": a["resident"]},
    }
    w["users"] = {r: UserFactory(username=f"u_{r}", role=r, **scope[r]) for r in ROLES}
    return w


def marker(w, side, kind) -> str:
    """A string that appears on a page only if that object is shown."""
    if kind == "household":
        return w[side]["household"].code
    if kind == "baseline":
        return str(w[side]["baseline"].count)
    return {
        "resident": "方居民",
        "community": "方社区",
        "team": "方团队",
        "practitioner": "方医生",
        "institution": "方卫生院",
    }[kind].join([SIDES[side], ""])


def own_sides(role, kind) -> list[str]:
    if role == Role.SYSADMIN:
        return ["A", "B", "C"]
    if role == Role.REFERRAL_DESK and kind != "institution":
        return []  # a hospital's desk has no team, staff or people of A
    if role == Role.RESIDENT and kind == "baseline":
        return []
    return ["A"]


def foreign_sides(role, kind) -> list[str]:
    if role == Role.SYSADMIN:
        return []
    if role in (Role.COMMISSION, Role.FINANCE) or kind == "institution":
        return ["C"]
    return ["B", "C"]


def obj(w, side, kind):
    return w[side][kind]


def login(client, w, role):
    assert client.login(username=w["users"][role].username, password=PASSWORD)
    return client


def _body(r) -> str:
    return r.content.decode()


def _api_items(r) -> list[dict]:
    data = r.json()
    return data["items"] if isinstance(data, dict) and "items" in data else data


def _ids(items) -> set[int]:
    return {i.get("id") for i in items}


MATRIX = [(r, k) for r in ROLES for k in KINDS]
MATRIX_IDS = [f"{r}-{k}" for r, k in MATRIX]


@pytest.mark.parametrize("role,kind", MATRIX, ids=MATRIX_IDS)
def test_list_page(client, world, role, kind):
    list_name, _detail, _api, users_of = KINDS[kind]
    url = _url(list_name)
    r = login(client, world, role).get(url)
    if role not in users_of:
        assert r.status_code in (200, 403)
    else:
        assert r.status_code == 200
    if r.status_code != 200:
        return
    body = _body(r)
    if role in users_of:
        for s in own_sides(role, kind):
            assert marker(world, s, kind) in body, f"{role} should see {s}'s {kind}"
    for s in foreign_sides(role, kind):
        assert marker(world, s, kind) not in body, f"LEAK: {role} sees {s}'s {kind} on {url}"


@pytest.mark.parametrize("role,kind", MATRIX, ids=MATRIX_IDS)
def test_api_list(client, world, role, kind):
    _l, _d, api, users_of = KINDS[kind]
    r = login(client, world, role).get(api)
    if r.status_code == 404 and r.json().get("code") != "not_found":
        pytest.skip(f"{api} does not exist yet")
    if role in users_of:
        assert r.status_code == 200, r.content
    else:
        assert r.status_code in (200, 403), r.content
    if r.status_code != 200:
        return
    ids = _ids(_api_items(r))
    if role in users_of:
        for s in own_sides(role, kind):
            assert obj(world, s, kind).pk in ids, f"{role} should get {s}'s {kind}"
    for s in foreign_sides(role, kind):
        assert obj(world, s, kind).pk not in ids, f"LEAK: {role} gets {s}'s {kind} from {api}"


DETAIL = [(r, k) for r in ROLES for k in KINDS if KINDS[k][1] and r != Role.SYSADMIN]


@pytest.mark.parametrize("role,kind", DETAIL, ids=[f"{r}-{k}" for r, k in DETAIL])
def test_detail_of_foreign_object_is_404(client, world, role, kind):
    login(client, world, role)
    expected = (404,) if role in KINDS[kind][3] else (403, 404)
    for s in foreign_sides(role, kind):
        pk = obj(world, s, kind).pk
        api = client.get(API_DETAIL[kind].format(pk))
        assert api.status_code in expected, f"LEAK: {role} gets {s}'s {kind} from the API: {api.status_code}"
        url = _url(KINDS[kind][1], pk)
        page = client.get(url)
        assert page.status_code in expected, f"LEAK: {role} opens {s}'s {kind} at {url}: {page.status_code}"


@pytest.mark.parametrize("role,kind", DETAIL, ids=[f"{r}-{k}" for r, k in DETAIL])
def test_detail_of_own_object_opens(client, world, role, kind):
    if role not in KINDS[kind][3] or not own_sides(role, kind):
        pytest.skip("this role has no own object of this kind")
    login(client, world, role)
    pk = obj(world, "A", kind).pk
    assert client.get(_url(KINDS[kind][1], pk)).status_code == 200
    assert client.get(API_DETAIL[kind].format(pk)).status_code == 200


SEARCH = [r for r in ROLES if r != Role.SYSADMIN]


@pytest.mark.parametrize("role", SEARCH)
def test_search_by_foreign_whole_id_finds_nothing(client, world, role):
    login(client, world, role)
    url = _url("registry:resident_list")
    for s in foreign_sides(role, "resident"):
        nid = world[s]["nid"]
        r = client.get(url, {"q": nid})
        if r.status_code == 200:
            assert marker(world, s, "resident") not in _body(r), f"LEAK: {role} finds {s} by ID"
        else:
            assert r.status_code == 403
        api = client.get("/api/registry/residents", {"q": nid})
        if api.status_code == 200:
            assert _api_items(api) == [], f"LEAK: {role} finds {s} by ID through the API"
        else:
            assert api.status_code == 403
    if role in PEOPLE and own_sides(role, "resident"):
        r = client.get(url, {"q": world["A"]["nid"]})
        assert marker(world, "A", "resident") in _body(r)


EXPORT = [(r, k) for r in ROLES for k in KINDS]


@pytest.mark.parametrize("role,kind", EXPORT, ids=[f"{r}-{k}" for r, k in EXPORT])
def test_xlsx_export_excludes_foreign(client, world, role, kind):
    list_name, _d, _a, users_of = KINDS[kind]
    r = login(client, world, role).get(_url(list_name), {"export": "xlsx"})
    if r.status_code != 200 or not r["Content-Type"].startswith("application/vnd.openxml"):
        assert r.status_code in (200, 403)  # no export for this role: nothing to leak
        return
    ws = load_workbook(io.BytesIO(r.content), read_only=True).active
    text = "\n".join(str(c) for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    if role in users_of:
        for s in own_sides(role, kind):
            assert marker(world, s, kind) in text, f"{role} should export {s}'s {kind}"
    for s in foreign_sides(role, kind):
        assert marker(world, s, kind) not in text, f"LEAK: {role} exports {s}'s {kind}"


# --- writes on foreign objects are refused, through the page and the API ------------------------

PATCHES = {
    "resident": ("registry:resident_edit", "/api/registry/residents/{}", {"address": "篡改地址"}, "address"),
    "household": (
        "registry:household_detail",
        "/api/registry/households/{}",
        {"address": "篡改地址"},
        "address",
    ),
    "community": (
        "registry:community_edit",
        "/api/registry/communities/{}",
        {"address": "篡改地址"},
        "address",
    ),
    "team": ("teams:team_edit", "/api/teams/teams/{}", {"phone": "13900000000"}, "phone"),
    "practitioner": (
        "teams:practitioner_edit",
        "/api/teams/practitioners/{}",
        {"phone": "13900000000"},
        "phone",
    ),
    "institution": (
        "registry:institution_edit",
        "/api/registry/institutions/{}",
        {"address": "篡改地址"},
        "address",
    ),
}
WRITES = [(r, k) for r in ROLES if r != Role.SYSADMIN for k in PATCHES]


@pytest.mark.parametrize("role,kind", WRITES, ids=[f"{r}-{k}" for r, k in WRITES])
def test_edit_of_foreign_object_refused(client, world, role, kind):
    page_name, api_path, payload, field = PATCHES[kind]
    login(client, world, role)
    for s in foreign_sides(role, kind):
        target = obj(world, s, kind)
        before = getattr(target, field)
        api = client.patch(api_path.format(target.pk), payload, content_type="application/json")
        assert api.status_code in (403, 404), f"LEAK: {role} patches {s}'s {kind}: {api.status_code}"
        target.refresh_from_db()
        assert getattr(target, field) == before
        r = client.post(_url(page_name, target.pk), payload)
        assert r.status_code in (403, 404), f"LEAK: {role} posts to {s}'s {kind}: {r.status_code}"
        target.refresh_from_db()
        assert getattr(target, field) == before


def _create_payloads(w, s):
    side = w[s]
    return {
        "resident": (
            "/api/registry/residents",
            {
                "name": "越权居民",
                "national_id": make_national_id(dt.date(1970, 1, 1), "F", "500114"),
                "region_id": side["village"].pk,
                "institution_id": side["institution"].pk,
            },
            lambda: Resident.objects.filter(name="越权居民").exists(),
        ),
        "household": (
            "/api/registry/households",
            {"code": "HHX0001", "region_id": side["village"].pk, "institution_id": side["institution"].pk},
            lambda: Household.objects.filter(code="HHX0001").exists(),
        ),
        "community": (
            "/api/registry/communities",
            {
                "name": "越权社区",
                "kind": "enterprise",
                "region_id": side["village"].pk,
                "institution_id": side["institution"].pk,
            },
            lambda: FunctionalCommunity.objects.filter(name="越权社区").exists(),
        ),
        "team": (
            "/api/teams/teams",
            {
                "institution_id": side["institution"].pk,
                "name": "越权团队",
                "leader_id": side["practitioner"].pk,
            },
            lambda: Team.objects.filter(name="越权团队").exists(),
        ),
        "practitioner": (
            "/api/teams/practitioners",
            {"name": "越权医生", "profession": "gp", "institution_id": side["institution"].pk},
            lambda: side["institution"].practitioners.filter(name="越权医生").exists(),
        ),
    }


CREATES = [
    (r, k)
    for r in ROLES
    if r != Role.SYSADMIN
    for k in ("resident", "household", "community", "team", "practitioner")
]


@pytest.mark.parametrize("role,kind", CREATES, ids=[f"{r}-{k}" for r, k in CREATES])
def test_create_in_foreign_scope_refused(client, world, role, kind):
    login(client, world, role)
    for s in foreign_sides(role, kind):
        path, payload, exists = _create_payloads(world, s)[kind]
        r = client.post(path, payload, content_type="application/json")
        assert r.status_code in (403, 404, 422), f"{role} creating {kind} in {s}: {r.status_code} {r.content}"
        assert not exists(), f"LEAK: {role} created a {kind} in {s}'s institution"


CREATE_PAGES = {
    "resident": "registry:resident_create",
    "household": "registry:household_create",
    "community": "registry:community_create",
    "team": "teams:team_create",
    "practitioner": "teams:practitioner_create",
}


@pytest.mark.parametrize("role,kind", CREATES, ids=[f"{r}-{k}" for r, k in CREATES])
def test_create_page_in_foreign_scope_refused(client, world, role, kind):
    url = _url(CREATE_PAGES[kind])
    login(client, world, role)
    for s in foreign_sides(role, kind):
        _path, payload, exists = _create_payloads(world, s)[kind]
        form = {k.removesuffix("_id"): v for k, v in payload.items()}
        form.update({k: v for k, v in payload.items()})
        r = client.post(url, form)
        assert r.status_code in (200, 403, 404), r.status_code  # 200 = the form again, with an error
        assert not exists(), f"LEAK: {role} created a {kind} in {s}'s institution through {url}"
