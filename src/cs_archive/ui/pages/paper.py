from cs_archive.ui.paper_page import render

render()
