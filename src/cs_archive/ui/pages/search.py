from cs_archive.ui.search_page import render

render()
