"""The app's pages, one module each: ``render()`` draws the page, and ``app.py`` hands it to
``st.Page`` with its title, icon and address (``url_path``). What pages share is in ``ui.common``."""
