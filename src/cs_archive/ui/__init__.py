"""The Streamlit app, kept thin: each page parses its widgets, calls the library, renders.

- ``pages/``: one module per page, each with ``render()``; ``app.py`` wires them with
  ``st.Page`` and ``st.navigation``.
- ``common``: what the pages share (the archive and model, loaded once; the result card;
  plain errors); ``auth``: who the viewer is; ``originals``: links to original PDFs.
- ``warm``: the model, loaded on a thread from the first run; ``startup``: the server's
  start-up hook, which loads what the first search needs before anyone asks.

Imports go one way: ``startup`` → ``pages`` → ``common`` → ``auth``, ``warm``.
"""
