from cs_archive.ui.documents_page import render

render()
