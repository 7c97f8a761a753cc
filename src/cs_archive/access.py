"""Who sees what: the three roles, and how a visitor gets one.

- ``public``: reads and searches the archive; never a paper marked exempt from publication.
- ``member``: also exempt papers, each marked "not for publication" wherever it is shown.
- ``clerk``: also adds papers, corrects their metadata and removes them.

With sign-in configured (OpenID Connect, ``ui/auth.py``), a signed-in user's role comes from
the ``[roles]`` rules in the settings (``RoleRules``); anyone not signed in is public. Without
sign-in, the app's address decides (``unsigned_role``): bound to this machine only, its one
user is a clerk; bound to any other address, or reached through a proxy, everyone is public
and the app is read-only.

Whichever the role, exempt papers reach a viewer only through a reader opened for them
(``index.open_archive(location, exempt=True)``): the rule is enforced there, once.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import Enum
from typing import Any, Iterable, Mapping

# Headers a reverse proxy adds: a request carrying one came from another machine.
FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip")
GROUPS_CLAIM = "groups"  # the identity-token claim listing a user's groups, unless [roles] groups_claim says
# Keys of an [auth] table, or of one of its provider tables, that name a sign-in provider.
PROVIDER_KEYS = ("client_id", "server_metadata_url")
MIN_COOKIE_SECRET = 32  # characters; secrets.token_urlsafe(32) gives 43


class Role(str, Enum):
    PUBLIC = "public"
    MEMBER = "member"
    CLERK = "clerk"

    @property
    def sees_exempt(self) -> bool:
        """May see papers marked exempt from publication (each marked as such)."""
        return self in (Role.MEMBER, Role.CLERK)

    @property
    def can_edit(self) -> bool:
        """May add papers, correct metadata and remove papers."""
        return self is Role.CLERK


@dataclass(frozen=True)
class Viewer:
    """Whoever is using the app now: their role and, when signed in, who they are."""

    role: Role
    email: str | None = None
    name: str | None = None
    signed_in: bool = False

    @property
    def label(self) -> str:
        who = self.name or self.email
        return f"{who} ({self.role.value})" if who else self.role.value


@dataclass(frozen=True)
class RoleRules:
    """Who is a clerk and who a member. Each entry is an e-mail address (``jo@council.gov.uk``),
    a domain (``@council.gov.uk``) or a group from the sign-in provider (``group:councillors``);
    matching ignores case. A clerk entry wins over a member entry; no match is public."""

    clerks: tuple[str, ...] = ()
    members: tuple[str, ...] = ()

    @classmethod
    def of(cls, settings: Mapping[str, Any] | None) -> "RoleRules":
        """From the ``[roles]`` table of the settings: ``clerk = [...]``, ``member = [...]``."""
        settings = settings or {}

        def entries(key: str) -> tuple[str, ...]:
            value = settings.get(key) or ()
            if isinstance(value, str):
                value = [value]
            return tuple(str(v).strip().lower() for v in value if str(v).strip())

        return cls(clerks=entries("clerk"), members=entries("member"))

    def role_for(self, email: str | None, groups: Iterable[str] = ()) -> Role:
        email = (email or "").strip().lower()
        keys = {f"group:{g.strip().lower()}" for g in groups if g and g.strip()}
        local, _, domain = email.rpartition("@")
        if local and domain:  # an address; "@domain" alone is not one
            keys |= {email, "@" + domain}
        if keys & set(self.clerks):
            return Role.CLERK
        if keys & set(self.members):
            return Role.MEMBER
        return Role.PUBLIC


def viewer_of(claims: Mapping[str, Any], roles: Mapping[str, Any] | None) -> Viewer:
    """The viewer for a signed-in user, from the claims of their identity token (``st.user``)
    and the ``[roles]`` settings. An e-mail address the provider says is unverified
    (``email_verified = false``) counts for nothing: only the user's groups can give a role."""
    roles = roles or {}
    email = claims.get("email") if isinstance(claims.get("email"), str) else None
    trusted = email if claims.get("email_verified", True) not in (False, "false") else None
    groups = claims.get(str(roles.get("groups_claim") or GROUPS_CLAIM)) or ()
    if isinstance(groups, str):
        groups = [groups]
    role = RoleRules.of(roles).role_for(trusted, [str(g) for g in groups])
    name = next((v for v in (claims.get("name"), claims.get("preferred_username")) if isinstance(v, str) and v),
                None)
    return Viewer(role, email=email, name=name, signed_in=True)


def providers(auth: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The sign-in providers an ``[auth]`` table configures, as ``st.login`` names them:
    ``"default"`` when the table itself holds a client (``client_id = …``), and each provider
    table (``[auth.microsoft]``, ``[auth.google]``, ``[auth.keycloak]``)."""
    auth = auth or {}
    named = tuple(k for k, v in auth.items() if isinstance(v, Mapping) and any(x in v for x in PROVIDER_KEYS))
    return (("default",) if any(x in auth for x in PROVIDER_KEYS) else ()) + named


def auth_problem(auth: Mapping[str, Any] | None) -> str | None:
    """What stops an ``[auth]`` table from being used safely, or None. A short or placeholder
    ``cookie_secret`` would let anyone forge the sign-in cookie, and so any role."""
    auth = auth or {}
    secret = str(auth.get("cookie_secret") or "")
    if len(secret) < MIN_COOKIE_SECRET or "CHANGE-ME" in secret:
        return (f"the [auth] cookie_secret must be a random string of at least {MIN_COOKIE_SECRET} characters "
                '(python -c "import secrets; print(secrets.token_urlsafe(32))")')
    if not providers(auth):
        return "the [auth] settings name no sign-in provider (client_id and server_metadata_url)"
    return None


def forwarded(headers: Mapping[str, str] | None) -> bool:
    """Whether a request came through a reverse proxy (it carries a forwarding header)."""
    return any(str(h).lower() in FORWARDING_HEADERS for h in (headers or {}))


def is_local(address: str | None) -> bool:
    """Whether a server address listens on this machine only: ``localhost`` or a loopback
    address (127.0.0.0/8, ``::1``). No address (Streamlit's default) means every interface, so
    it is not local; nor is ``0.0.0.0``."""
    host = (address or "").strip().lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.removeprefix("[").removesuffix("]")).is_loopback
    except ValueError:
        return False


def unsigned_role(address: str | None, behind_proxy: bool = False) -> Role:
    """The role of everyone when sign-in is not configured: clerk on this machine only, else
    public. A server bound to this machine but reached through a reverse proxy
    (``behind_proxy``, see ``forwarded``) serves other machines, so its visitors are public."""
    return Role.CLERK if is_local(address) and not behind_proxy else Role.PUBLIC
