from cs_archive.ui.add_page import render

render()
