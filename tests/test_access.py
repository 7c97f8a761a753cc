"""Who sees what (access.py): roles from the [roles] rules and the identity token's claims, and
the role of everyone when sign-in is not configured. Plain data, no Streamlit."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from cs_archive.access import (Role, RoleRules, Viewer, auth_problem, forwarded, is_local, providers,
                               unsigned_role, viewer_of)

ROOT = Path(__file__).resolve().parents[1]
RULES = RoleRules.of({"clerk": ["Jo.Clerk@Council.example", "group:democratic-services"],
                      "member": ["@members.council.example", "group:Councillors", "sam@council.example"]})


def test_roles_allow():
    assert [(r.value, r.sees_exempt, r.can_edit) for r in Role] == [
        ("public", False, False), ("member", True, False), ("clerk", True, True)]


# (e-mail, groups, role)
CASES = [
    ("jo.clerk@council.example", [], Role.CLERK),
    ("JO.CLERK@COUNCIL.EXAMPLE ", [], Role.CLERK),  # case and spaces ignored
    ("ann@members.council.example", [], Role.MEMBER),  # by domain
    ("ann@sub.members.council.example", [], Role.PUBLIC),  # a domain is exact, not its subdomains
    ("ann@evilmembers.council.example", [], Role.PUBLIC),
    ("sam@council.example", [], Role.MEMBER),
    ("pat@council.example", [], Role.PUBLIC),  # an address of the council is not a rule
    ("pat@council.example", ["councillors"], Role.MEMBER),  # by group, case ignored
    ("ann@members.council.example", ["Democratic-Services"], Role.CLERK),  # clerk wins
    (None, ["democratic-services"], Role.CLERK),  # groups alone
    (None, [], Role.PUBLIC),
    ("", ["", " "], Role.PUBLIC),
    ("members.council.example", [], Role.PUBLIC),  # not an address
    ("@members.council.example", [], Role.PUBLIC),  # nor is a bare domain
]


@pytest.mark.parametrize("email,groups,role", CASES)
def test_role_for(email, groups, role):
    assert RULES.role_for(email, groups) is role


def test_rules_of_settings():
    assert RoleRules.of(None) == RoleRules.of({}) == RoleRules()
    assert RoleRules.of({"clerk": " Jo@X.example ", "member": ["", "@x.example"]}) == RoleRules(
        clerks=("jo@x.example",), members=("@x.example",))
    assert RoleRules().role_for("jo@x.example", ["councillors"]) is Role.PUBLIC


def test_viewer_of_claims():
    roles = {"clerk": ["jo@council.example"], "member": ["group:councillors"]}
    assert viewer_of({"email": "jo@council.example", "name": "Jo Clerk", "email_verified": True}, roles) == Viewer(
        Role.CLERK, email="jo@council.example", name="Jo Clerk", signed_in=True)
    # The groups claim, by default "groups"; one group may come as a string.
    assert viewer_of({"email": "cllr@x.example", "groups": ["Councillors"]}, roles).role is Role.MEMBER
    assert viewer_of({"email": "cllr@x.example", "groups": "councillors"}, roles).role is Role.MEMBER
    assert viewer_of({"email": "cllr@x.example", "roles": ["councillors"]}, roles).role is Role.PUBLIC
    assert viewer_of({"email": "cllr@x.example", "roles": ["councillors"]},
                     dict(roles, groups_claim="roles")).role is Role.MEMBER
    # An address the provider says it has not verified gives no role; groups still do.
    assert viewer_of({"email": "jo@council.example", "email_verified": False}, roles) == Viewer(
        Role.PUBLIC, email="jo@council.example", signed_in=True)
    assert viewer_of({"email": "jo@council.example", "email_verified": False, "groups": ["councillors"]},
                     roles).role is Role.MEMBER
    # No name: Entra ID's preferred_username, else the address.
    v = viewer_of({"preferred_username": "jo@council.example", "sub": "x"}, roles)
    assert (v.role, v.name, v.label) == (Role.PUBLIC, "jo@council.example", "jo@council.example (public)")
    assert viewer_of({}, None) == Viewer(Role.PUBLIC, signed_in=True)


@pytest.mark.parametrize("address,local", [
    ("127.0.0.1", True), ("127.0.1.1", True), ("localhost", True), ("LOCALHOST", True), ("::1", True),
    ("[::1]", True), (" 127.0.0.1 ", True),
    ("0.0.0.0", False), ("", False), (None, False), ("::", False), ("192.168.1.20", False),
    ("papers.council.example", False), ("127.0.0.1.example", False), ("localhost.example", False),
    ("[::]", False)])
def test_is_local_and_the_role_without_sign_in(address, local):
    assert is_local(address) is local
    assert unsigned_role(address) is (Role.CLERK if local else Role.PUBLIC)
    assert unsigned_role(address, behind_proxy=True) is Role.PUBLIC


def test_forwarded():
    assert forwarded({"X-Forwarded-For": "10.0.0.7"}) and forwarded({"forwarded": "for=10.0.0.7"})
    assert forwarded({"X-Real-IP": "10.0.0.7"})
    assert not forwarded({"Host": "127.0.0.1:8501", "Origin": "http://127.0.0.1:8501"})
    assert not forwarded(None)


SECRET = "k" * 32


def test_providers():
    assert providers(None) == providers({}) == ()
    assert providers({"client_id": "x", "server_metadata_url": "https://p/.well-known/openid-configuration",
                      "client_kwargs": {"prompt": "login"}}) == ("default",)
    assert providers({"redirect_uri": "r", "microsoft": {"client_id": "a"}, "google": {"client_id": "b"}}) == (
        "microsoft", "google")


@pytest.mark.parametrize("auth,problem", [
    ({"cookie_secret": SECRET, "client_id": "x"}, None),
    ({"cookie_secret": SECRET[:-1], "client_id": "x"}, "cookie_secret must be a random string of at least 32"),
    ({"cookie_secret": "CHANGE-ME" * 4, "client_id": "x"}, "cookie_secret must be"),
    ({"client_id": "x"}, "cookie_secret must be"),
    ({"cookie_secret": SECRET}, "name no sign-in provider"),
])
def test_auth_problem(auth, problem):
    found = auth_problem(auth)
    assert (found is None) if problem is None else (problem in found), found


def test_the_example_settings_read_as_documented():
    settings = tomllib.loads((ROOT / ".streamlit" / "secrets.example.toml").read_text(encoding="utf-8"))
    assert providers(settings["auth"]) == ("default",)
    assert "cookie_secret" in auth_problem(settings["auth"])  # the placeholder is refused
    rules = RoleRules.of(settings["roles"])
    assert rules.role_for("democratic.services@council.example") is Role.CLERK
    assert rules.role_for("x@members.council.example") is Role.MEMBER
    assert viewer_of({"email": "x@council.example", "groups": ["councillors"]}, settings["roles"]).role is Role.MEMBER


def test_the_app_listens_on_this_computer_only_unless_told():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert is_local(config["server"]["address"])
