"""cs-archive in the browser: search, meetings, papers, documents, adding papers.

Run with `make run` (or `streamlit run app.py`). A search is a link:
/?q=children+in+care&since=2023-01-01 (parameter names in CONTRACT.md). The pages are the
modules of src/cs_archive/ui/pages/, thin over the library; this file only wires them.

Who may do what (docs/security.md): `streamlit run app.py` listens on this computer only
(127.0.0.1, .streamlit/config.toml), and its one user is a clerk. To run it for others, either
- configure sign-in (OpenID Connect: Microsoft Entra ID, Google, Keycloak) and roles in
  .streamlit/secrets.toml (see .streamlit/secrets.example.toml), and serve it behind a TLS
  reverse proxy; each visitor is then public until signed in, a member or a clerk after; or
- `streamlit run app.py --server.address 0.0.0.0`, without sign-in: everyone is public and the
  archive is read-only (no papers not for publication, no adding, correcting or removing).

`streamlit run app.py` first imports this file (as the module ``app``) to find the server,
``app`` below; its start-up hook (``ui.startup``) loads the model, the search code and the archive while the
first browser is still loading Streamlit's own scripts. Streamlit then runs the file as
``__main__`` for each visitor: ``main()``, the pages.
"""
from __future__ import annotations

import streamlit as st

from cs_archive.ui import warm


def main() -> None:
    warm.start()  # unless the server's hook has: the model loads on a thread while the page draws

    from cs_archive.ui import auth, common
    from cs_archive.ui.pages import add, commitments, documents, following, meetings, paper, search

    st.set_page_config(page_title="Council papers search", page_icon=":material/search:", layout="wide")

    pages = {
        "search": st.Page(search.render, title="Search", icon=":material/search:", url_path="search", default=True),
        "meetings": st.Page(meetings.render, title="Meetings", icon=":material/event:", url_path="meetings"),
        "paper": st.Page(paper.render, title="Read a paper", icon=":material/description:", url_path="paper"),
        "documents": st.Page(documents.render, title="Documents", icon=":material/folder_open:", url_path="documents"),
        "following": st.Page(following.render, title="Following", icon=":material/notifications:", url_path="following"),
        "add": st.Page(add.render, title="Add papers", icon=":material/upload_file:", url_path="add"),
        "commitments": st.Page(commitments.render, title="Commitments", icon=":material/task_alt:", url_path="commitments"),
    }
    if not auth.viewer().role.can_edit:
        del pages["add"]
    auth.sign_in_panel()
    common.exempt_switch()
    common.PAGES.clear()
    common.PAGES.update(pages)
    st.navigation(list(pages.values())).run()


if __name__ == "__main__":  # a visitor's run of the script
    main()
else:  # `streamlit run app.py` looking for the server
    from cs_archive.follow import web as follow_web
    from cs_archive.ui import originals, startup

    # Served beside the pages, each checked in its handler: originals at the viewer's signed link,
    # saved searches' feeds and unsubscribe links at their secret tokens.
    app = st.App(__file__, lifespan=startup.lifespan, routes=[originals.ROUTE, *follow_web.routes()])
