"""The Streamlit pages, kept thin: each parses its widgets, calls the library, renders.

``app.py`` wires the pages (``pages/*.py``, two-line scripts) with ``st.navigation``; the
pieces they share (the archive and model, loaded once; the result card; plain errors) are
in ``common``.
"""
