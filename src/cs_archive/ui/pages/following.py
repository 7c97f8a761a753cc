from cs_archive.ui.following_page import render

render()
