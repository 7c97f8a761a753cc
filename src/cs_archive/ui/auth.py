"""Who is using the app, for the pages: ``viewer()``; and the sidebar's sign-in panel.

Sign-in is Streamlit's own OpenID Connect (``st.login``), configured by an ``[auth]`` table in
``.streamlit/secrets.toml`` (see ``.streamlit/secrets.example.toml``); the ``[roles]`` table
there says who is a member and who a clerk. The rules themselves live in ``access.py``, free of
Streamlit, where they are tested.

Settings that are there but cannot be used (a file that does not parse, a weak cookie secret,
no provider) fail closed: everyone is public, and the sidebar says why.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import streamlit as st

from ..access import Role, Viewer, auth_problem, forwarded, providers, unsigned_role, viewer_of
from ..render import esc

_log = logging.getLogger(__name__)
ROLE_WORDS = {
    Role.PUBLIC: "public: read-only",
    Role.MEMBER: "member: also papers not for publication",
    Role.CLERK: "clerk: can add, correct and remove papers",
}


def _settings() -> tuple[dict[str, Any], str | None]:
    """The app's settings (``st.secrets``) and, when they are there but cannot be used, why."""
    try:
        settings = st.secrets.to_dict()
    except FileNotFoundError as e:  # Streamlit's StreamlitSecretNotFoundError: none, or unreadable
        if any(Path(p).exists() for p in st.get_option("secrets.files") or ()):
            _log.error("The settings file cannot be read: %s", e)  # the detail for the server's log only
            return {}, "the settings file (.streamlit/secrets.toml) cannot be read; the server's log says why"
        return {}, None
    return settings, auth_problem(settings["auth"]) if settings.get("auth") else None


def viewer() -> Viewer:
    """The viewer of the current session: with sign-in configured, the signed-in user's role
    from the ``[roles]`` rules (public when not signed in); without, decided by the address the
    server listens on (``access.unsigned_role``)."""
    settings, problem = _settings()
    if problem:
        return Viewer(Role.PUBLIC)
    if settings.get("auth"):
        if st.user.get("is_logged_in") is not True:
            return Viewer(Role.PUBLIC)
        return viewer_of(st.user.to_dict(), settings.get("roles"))
    return Viewer(unsigned_role(st.get_option("server.address"), behind_proxy=forwarded(st.context.headers)))


def sign_in_panel() -> None:
    """In the sidebar: "Sign in" (one button per provider when there are several), or who is
    signed in, their role and "Sign out"; without sign-in, whether the archive is public."""
    settings, problem = _settings()
    who = viewer()
    with st.sidebar:
        if problem:
            st.error(f"Sign-in is off, and the archive public and read-only, until the app's settings are "
                     f"fixed: {problem}.")
        elif settings.get("auth"):
            if who.signed_in:
                _note(f"Signed in as {who.name or who.email or 'you'} ({ROLE_WORDS[who.role]})")
                if st.button("Sign out", key="csa_sign_out"):
                    st.logout()
            else:
                _note("Public, read-only archive. Sign in to see more.")
                names = providers(settings["auth"])
                for name in names:
                    label = "Sign in" if len(names) == 1 else f"Sign in with {name.title()}"
                    if st.button(label, key=f"csa_sign_in_{name}"):
                        st.login(None if name == "default" else name)
        elif who.role is Role.PUBLIC:
            _note("Public, read-only archive")
        elif who.role.can_edit:
            _note("On this computer only: you can add, correct and remove papers.")


def _note(text: str) -> None:
    """As ``common.note`` (which imports this module, so it cannot be imported here)."""
    st.markdown(f"<span class='csa-note'>{esc(text)}</span>", unsafe_allow_html=True)
