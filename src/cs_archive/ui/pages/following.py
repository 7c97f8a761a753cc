"""The Following page: each of the viewer's saved searches with its count of new passages since
their last visit, its feed address and e-mail digests, and its passages as search cards; and
the "Follow this search" control of the search page (``follow_control``).

Saved searches are the signed-in user's own (or, without sign-in, those of this computer's
clerk, with the ones made from the CLI); each runs with its follower's role (``follow/``).
"""
from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from ... import follow
from ...models import NOT_FOR_PUBLICATION
from ...follow.store import EVERY, FILTER_KEYS, MAX_NAME, Follow, FollowError, feed_url, opened
from ...models import long_date
from ...render import esc, esc_line
from .. import common

EVERY_WORDS = {"now": "At once", "daily": "Daily", "weekly": "Weekly"}
SHOWN = 50  # passages of one saved search on the page


def may_follow(viewer) -> bool:
    """Following needs someone to follow for: a signed-in user, or this computer's own clerk."""
    return viewer.signed_in or viewer.role.can_edit


def follow_control(state: dict) -> None:
    """“Follow this search”: saves the search's words and filters (``state``, the search page's)
    under a name, with an optional e-mail digest."""
    viewer = common.viewer()
    if not state.get("q") or not may_follow(viewer):
        return
    with st.popover("Follow this search", icon=":material/notifications:"):
        with st.form("w_follow_form", border=False):
            name = st.text_input("Name it", value=state["q"][:MAX_NAME], max_chars=MAX_NAME)
            email = st.text_input("E-mail new passages to (leave empty for none)", value=viewer.email or "")
            every = st.radio("How often", EVERY, index=EVERY.index("daily"), format_func=EVERY_WORDS.get,
                             horizontal=True)
            go = st.form_submit_button("Follow", type="primary")
    if not go:
        return
    filters = {k: state.get(k) or None for k in FILTER_KEYS}
    try:
        f = follow.add(common.location(), name, state["q"], filters, viewer.role, owner=viewer.email,
                       email=email, every=every)
    except (FollowError, ValueError) as e:
        st.error(f"Not followed: {esc(str(e).rstrip('.'))}.")
        return
    st.success(f"Following “{esc_line(f.name)}”: passages of papers added from now on that answer it will "
               "show on the Following page" + (f" and be e-mailed to {esc(f.email)}." if f.email else "."))
    if "following" in common.PAGES:
        st.page_link(common.PAGES["following"], label="Open the Following page")


def render() -> None:
    common.setup()
    st.title("Following")
    with common.plain_errors():
        viewer = common.viewer()
        if not may_follow(viewer):
            st.info("Sign in to follow a search: its new passages then show here, in a feed and by e-mail.")
            return
        where = common.location()
        with opened(where) as state:
            mine = state.owned_by(viewer.email) if state else []
            if not mine:
                st.info("You follow no searches yet. Search for something, then press “Follow this search” "
                        "above the results: passages of papers added later that answer it will show here.")
                return
            last = st.session_state.setdefault("_follow_visited", {})  # the visit before this session's
            for f in mine:
                last.setdefault(f.name, f.visited)
            counts = {f.name: state.count_since(f, last[f.name]) for f in mine}
            for f in mine:
                state.visit(f.name)
        common.note("Each saved search runs over every paper added to the archive; what it finds is listed here "
                    "newest first, and sent to its feed and e-mail.")
        names = [f.name for f in mine]
        if st.session_state.get("w_following") not in names:  # none chosen yet, or one just removed
            st.session_state["w_following"] = names[0]
        chosen = st.radio("Saved searches", names, key="w_following",
                          format_func=lambda n: esc_line(n) + (f" ({counts[n]} new)" if counts[n] else ""))
        f = next(x for x in mine if x.name == chosen)
        _settings(where, f)
        _passages(where, f, last[f.name], viewer)


def _describe(f: Follow) -> str:
    bits = [f"{k} {f.filters[k]}" for k in FILTER_KEYS if f.filters.get(k)]
    return f"“{f.query}”" + (f" ({', '.join(bits)})" if bits else "")


def _base() -> str:
    """The app's public address: $CS_ARCHIVE_BASE_URL, else the one this page was opened at."""
    from ...follow.settings import base_url

    url = urlsplit(st.context.url or "")
    return base_url(f"{url.scheme}://{url.netloc}" if url.netloc else None)


def _settings(where, f: Follow) -> None:
    st.header(esc_line(f.name))
    st.markdown(f"Searching for {esc(_describe(f))}"
                + (f", papers “{NOT_FOR_PUBLICATION.lower()}” included" if f.role.sees_exempt else "")
                + f". Following since {esc(long_date(f.created[:10]))}.")
    feed = feed_url(_base(), f)
    # The address as code (no markdown inside), and a link; the token is letters, digits, - and _.
    st.markdown(f"Feed for a feed reader (keep its address private): `{feed}` · [open the feed]({feed})")
    if f.email:
        sent = f"; last sent {esc(f.sent[:16].replace('T', ' '))}" if f.sent else ""
        st.markdown(f"E-mailed to {esc(f.email)}, {EVERY_WORDS[f.every].lower()}{sent}.")
    if f.send_error:
        st.warning(f"The last digest could not be sent ({esc(f.send_error)}); it will be tried again.")
    with st.expander("Change e-mails, feed address or stop following", key=f"w_follow_edit_{f.id}"):
        with st.form(f"w_follow_mail_{f.id}", border=False):
            email = st.text_input("E-mail new passages to (leave empty for none)", value=f.email or "")
            every = st.radio("How often", EVERY, index=EVERY.index(f.every), format_func=EVERY_WORDS.get,
                             horizontal=True)
            if st.form_submit_button("Save"):
                _change(lambda s: s.subscribe(f.name, email, every), where)
        row = st.container(horizontal=True)
        if row.button("New feed address", help="The old address stops working.", key=f"w_feed_{f.id}"):
            _change(lambda s: s.new_feed_address(f.name), where)
        if row.button("Stop following", key=f"w_unfollow_{f.id}"):
            _change(lambda s: s.remove(f.name), where)


def _change(action, where) -> None:
    try:
        with opened(where, create=True) as state:
            action(state)
    except FollowError as e:
        st.error(esc(str(e)))
        return
    st.rerun()


def _passages(where, f: Follow, visited: str | None, viewer) -> None:
    with opened(where) as state:
        news = state.news(f.name, limit=SHOWN) if state else []
    # Passages of papers marked exempt: as everywhere in the app, only once the viewer has switched
    # them on (a member's or clerk's saved search records them; the cards are marked).
    hidden = sum(n.exempt for n in news) if not common.sees_exempt() else 0
    news = [n for n in news if common.sees_exempt() or not n.exempt]
    if hidden and viewer.role.sees_exempt:
        common.note(f"{hidden} passage{'s' * (hidden != 1)} of papers “{NOT_FOR_PUBLICATION.lower()}” hidden: "
                    "switch them on in the sidebar to see them.")
    if not news:
        st.write("Nothing new yet: passages of papers added from now on that answer this search will show here.")
        return
    for rank, n in enumerate(news, 1):
        new = not visited or n.first_seen > visited
        st.markdown(("**New** · " if new else "") + f"first seen {esc(n.first_seen[:16].replace('T', ' '))}")
        common.card(n.as_hit(rank))
