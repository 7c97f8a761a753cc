from cs_archive.ui.meetings_page import render

render()
