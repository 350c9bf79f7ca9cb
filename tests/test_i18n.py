"""The English catalogue: complete, compiled, and used by the pages once a person switches language."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from jiayi.core.models import Role
from tests.factories import (
    InstitutionFactory,
    PractitionerFactory,
    ResidentFactory,
    TeamFactory,
    UserFactory,
    county,
    township,
)

LC_MESSAGES = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
# Han ideographs plus the CJK and full-width punctuation blocks (，。：（）、 …).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%\([A-Za-z0-9_]+\)[sdif]|%[sdif%]")
# The switch names each language in itself, so "中文" is the one Chinese word an English page keeps.
SWITCH = re.compile(r"<form[^>]*data-language-switch.*?</form>", re.S)
NAVBAR = re.compile(r'<nav class="navbar.*?</nav>', re.S)


def _unquote(s: str) -> str:
    body = s.strip()
    assert body.startswith('"') and body.endswith('"'), body
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body[1:-1])


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (dict by index), flags, obsolete."""
    entries, cur, field = [], None, None

    def close():
        if cur is not None and "msgid" in cur:
            entries.append(cur)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#~"):
            continue  # obsolete entries are not shipped
        if line.startswith("#,"):
            close()
            cur, field = {"flags": {f.strip() for f in line[2:].split(",")}, "msgstr": {}}, None
            continue
        if line.startswith("#"):
            continue
        m = re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(.*)", line)
        if m:
            key, idx, rest = m.group(1), m.group(2), m.group(3)
            if key in ("msgctxt", "msgid") and cur is not None and "msgid" in cur:
                close()
                cur = None
            if cur is None:
                cur = {"flags": set(), "msgstr": {}}
            if key.startswith("msgstr"):
                field = ("msgstr", int(idx or 0))
                cur["msgstr"][field[1]] = _unquote(rest)
            else:
                field = (key, None)
                cur[key] = _unquote(rest)
            continue
        assert line.startswith('"'), f"unexpected line in {path.name}: {raw!r}"
        name, idx = field
        if name == "msgstr":
            cur["msgstr"][idx] += _unquote(line)
        else:
            cur[name] += _unquote(line)
    close()
    return entries


@pytest.fixture(scope="module")
def po_entries():
    return parse_po(LC_MESSAGES / "django.po")


def test_catalogue_has_every_string_translated(po_entries):
    header = [e for e in po_entries if e["msgid"] == "" and "msgctxt" not in e]
    assert len(header) == 1 and "fuzzy" not in header[0]["flags"]
    assert "Language: en" in header[0]["msgstr"][0]
    entries = [e for e in po_entries if e["msgid"] != ""]
    assert len(entries) > 1500
    untranslated = [e["msgid"] for e in entries if not all(s.strip() for s in e["msgstr"].values())]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not fuzzy, f"fuzzy entries: {fuzzy[:5]}"
    still_chinese = [e["msgid"] for e in entries if any(CJK.search(s) for s in e["msgstr"].values())]
    assert not still_chinese, f"msgstr with Chinese text: {still_chinese[:5]}"


def test_catalogue_keeps_placeholders(po_entries):
    wrong = []
    for e in po_entries:
        if e["msgid"] == "":
            continue
        want = sorted(PLACEHOLDER.findall(e["msgid"]))
        want_plural = sorted(PLACEHOLDER.findall(e.get("msgid_plural", e["msgid"])))
        for i, s in e["msgstr"].items():
            got = sorted(PLACEHOLDER.findall(s))
            if got != (want if i == 0 else want_plural):
                wrong.append((e["msgid"], s))
    assert not wrong, wrong[:5]


def test_compiled_catalogue_matches_the_po(po_entries):
    """The .mo ships with the .po so that a server needs no gettext tools; it must not be stale."""
    with open(LC_MESSAGES / "django.mo", "rb") as f:
        mo = gettext.GNUTranslations(f)
    stale = []
    for e in po_entries:
        if not e["msgid"] or "msgid_plural" in e:
            continue
        key = f"{e['msgctxt']}\x04{e['msgid']}" if "msgctxt" in e else e["msgid"]
        if mo._catalog.get(key) != e["msgstr"][0]:
            stale.append(e["msgid"])
    assert not stale, f"{len(stale)} entries differ from django.mo (run compilemessages), e.g. {stale[:5]}"


def _switch_to_english(client, next_url="/"):
    resp = client.post(reverse("set_language"), {"language": "en", "next": next_url})
    assert resp.status_code == 302 and resp["Location"] == next_url
    return resp


@pytest.mark.django_db
def test_login_page_switches_to_english(client):
    zh = client.get(reverse("login")).content.decode()
    assert 'lang="zh-hans"' in zh and "登录" in zh
    assert 'action="/i18n/setlang/"' in zh and 'value="en"' in zh
    # /i18n/ is public: the switch works before logging in, and lands back on the login page.
    _switch_to_english(client, reverse("login"))
    html = client.get(reverse("login")).content.decode()
    assert 'lang="en"' in html
    assert "Log in" in html and "Username" in html and "Password" in html
    rest = SWITCH.sub("", html)
    assert not CJK.search(rest), CJK.findall(rest)[:10]


@pytest.fixture
def staff(db):
    c = county()
    t = township(c, 1, "城东街道")
    inst = InstitutionFactory(code="A001", name="城东卫生院", region=t)
    team = TeamFactory(institution=inst, name="王丽团队")
    doctor = PractitionerFactory(institution=inst, name="王丽")
    for i in range(3):
        ResidentFactory(institution=inst, team=team, responsible_doctor=doctor, name=f"张{i}")
    return {
        "commission": UserFactory(username="commission-en", role=Role.COMMISSION, region=c),
        "institution": UserFactory(username="inst-en", role=Role.INSTITUTION_ADMIN, institution=inst),
        "leader": UserFactory(username="leader-en", role=Role.TEAM_LEADER, team=team),
    }


@pytest.mark.parametrize("who", ["commission", "institution", "leader"])
@pytest.mark.parametrize("url_name", ["home", "registry:resident_list"])
def test_logged_in_pages_in_english(client, staff, who, url_name):
    client.force_login(staff[who])
    _switch_to_english(client)
    html = client.get(reverse(url_name)).content.decode()
    assert 'lang="en"' in html
    nav = NAVBAR.search(html).group(0)
    assert "Log out" in nav and "Home" in nav and "Residents" in nav
    nav_text = SWITCH.sub("", nav)
    assert not CJK.search(nav_text), CJK.findall(nav_text)[:10]
    # The page's own words are English too; what remains in Chinese is data (names of people and places).
    if url_name == "registry:resident_list":
        assert "Residents" in html and "Name" in html


@pytest.mark.django_db
def test_switching_back_to_chinese(client, staff):
    client.force_login(staff["institution"])
    _switch_to_english(client)
    assert "Residents" in client.get("/").content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    html = client.get("/").content.decode()
    assert 'lang="zh-hans"' in html and "居民" in html and "Log out" not in html
