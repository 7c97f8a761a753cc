"""Following a topic (issue 26): saved searches, their news after each ingest, the Atom feed,
e-mail digests through a real local SMTP server (aiosmtpd), unsubscribe links, access by role,
and a rebuild that brings nothing back as news. The HashEmbedder, small inline papers, the CLI
in this process."""
from __future__ import annotations

import email
import email.policy
import socket
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("hash_env")

OLD = ("Report to Cabinet\n\nDate: 4 January 2024\n\n1. Highways\n\n"
       "1.1 The budget for pothole repairs rises by a tenth.\n")
ANSWER = ("Report to Children's Services Committee\n\nDate: 1 March 2024\n\n1. Fostering\n\n"
          "1.1 The number of foster carers recruited this year rose to 42, so more children stay close to home.\n")
OTHER = ("Report to Planning Committee\n\nDate: 2 March 2024\n\n1. Parking\n\n"
         "1.1 Car parking charges in the town centre will rise by 10 pence from April.\n")
SECRET = ("Report to Cabinet\n\nDate: 5 March 2024\n\nNOT FOR PUBLICATION\n\n1. Fostering agency\n\n"
          "1.1 Foster carers recruited through the agency cost £900 a week each under the proposed contract.\n")
QUERY = "foster carers recruited"
CITATION = "Children's Services Committee · 1 March 2024 · Untitled · para 1.1"


@pytest.fixture
def archive(tmp_path, cli) -> Path:
    """An archive of one old paper, on highways."""
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "highways.txt").write_text(OLD)
    index = tmp_path / "index"
    assert cli("ingest", tmp_path / "old", "--index", index).code == 0
    return index


def _papers(tmp_path: Path, folder: str, **files: str) -> Path:
    d = tmp_path / folder
    d.mkdir()
    for name, text in files.items():
        (d / f"{name}.txt").write_text(text)
    return d


class Inbox:
    """A real SMTP server on localhost (aiosmtpd) keeping what it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.port = _free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inbox(monkeypatch):
    box = Inbox()
    monkeypatch.setenv("CS_ARCHIVE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CS_ARCHIVE_SMTP_PORT", str(box.port))
    monkeypatch.setenv("CS_ARCHIVE_SMTP_TLS", "none")
    monkeypatch.setenv("CS_ARCHIVE_MAIL_FROM", "archive@council.example")
    monkeypatch.setenv("CS_ARCHIVE_BASE_URL", "https://papers.council.example/")
    box.controller.start()
    yield box
    box.controller.stop()


@pytest.fixture
def web(archive, monkeypatch):
    """The app's follow routes (feed, unsubscribe), as app.py mounts them, over ``archive``."""
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from cs_archive.follow import web as follow_web

    monkeypatch.setenv("CS_ARCHIVE_INDEX", str(archive))
    with TestClient(Starlette(routes=follow_web.routes())) as client:
        yield client


def _feed_path(cli, index: Path, name: str) -> str:
    follows = {f["name"]: f for f in cli("follow", "list", "--json", "--index", index).json()}
    return "/" + follows[name]["feed"].split("/", 3)[3]


def _body(msg, kind: str) -> str:
    return msg.get_body(preferencelist=(kind,)).get_content()


def test_a_saved_search_reports_exactly_the_new_passage_in_news_feed_and_email(cli, archive, tmp_path, inbox, web):
    import feedparser

    r = cli("follow", "add", "fostering", QUERY, "--email", "Jo@Council.example", "--every", "now", "--index", archive)
    assert r.code == 0, r.err
    assert "fostering: foster carers recruited" in r.out and "/feeds/" in r.out
    new = _papers(tmp_path, "new", fostering=ANSWER, parking=OTHER)
    assert cli("ingest", new, "--index", archive).code == 0

    news = cli("follow", "news", "--json", "--index", archive).json()
    assert [(n["follow"], n["hit"]["source"]) for n in news] == [("fostering", str(new / "fostering.txt"))]
    hit = news[0]["hit"]
    assert hit["confident"] and "foster carers recruited this year rose to 42" in hit["text"]
    assert hit["exempt"] is False and datetime.fromisoformat(news[0]["first_seen"]).tzinfo is not None
    assert CITATION in cli("follow", "news", "fostering", "--index", archive).out

    page = web.get(_feed_path(cli, archive, "fostering"))
    assert page.status_code == 200 and page.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(page.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "cs-archive: fostering"
    [entry] = feed.entries
    assert entry.title == CITATION
    assert "foster carers recruited this year rose to 42" in entry.content[0].value
    links = {link.rel: link.href for link in entry.links}
    assert links["alternate"] == (f"https://papers.council.example/paper?doc={hit['doc_id']}"
                                  f"&at={hit['chunk_id'].replace(':', '%3A')}")
    assert links["related"] == "https://papers.council.example/?q=foster+carers+recruited"

    r = cli("follow", "send", "--index", archive)
    assert r.code == 0, r.err
    assert "sent 1 passage to jo@council.example" in r.err
    [msg] = inbox.messages
    assert inbox.envelopes == [("archive@council.example", ["jo@council.example"])]
    assert msg["To"] == "jo@council.example" and msg["Subject"] == "cs-archive: 1 new passage for “fostering”"
    text, html = _body(msg, "plain"), _body(msg, "html")
    for body in (text, html.replace("&#x27;", "'")):
        assert CITATION in body and "rose to 42" in body
        assert "Car parking" not in body and "pothole" not in body
    assert f"paper?doc={hit['doc_id']}" in text
    unsubscribe = msg["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe.startswith("https://papers.council.example/unsubscribe/")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    assert cli("follow", "send", "--index", archive).code == 0  # nothing is sent twice
    assert len(inbox.messages) == 1


def test_a_rebuild_brings_no_old_passage_back_as_news(cli, archive, tmp_path):
    assert cli("follow", "add", "fostering", QUERY, "--index", archive).code == 0
    new = _papers(tmp_path, "new", fostering=ANSWER)
    assert cli("ingest", new, "--index", archive).code == 0
    before = cli("follow", "news", "--json", "--index", archive).json()
    assert len(before) == 1
    # The same words in another file, and the whole archive rebuilt: nothing is new.
    again = _papers(tmp_path, "again", fostering_copy=ANSWER)
    assert cli("ingest", tmp_path / "old", new, again, "--rebuild", "--index", archive).code == 0
    assert cli("follow", "news", "--json", "--index", archive).json() == before
    assert (archive / "follow.sqlite").exists()


def test_passages_already_in_the_archive_when_following_begins_are_not_news(cli, archive, tmp_path):
    old = _papers(tmp_path, "before", fostering=ANSWER)
    assert cli("ingest", old, "--index", archive).code == 0
    assert cli("follow", "add", "fostering", QUERY, "--index", archive).code == 0
    assert cli("ingest", tmp_path / "old", old, "--rebuild", "--index", archive).code == 0
    assert cli("follow", "news", "--json", "--index", archive).json() == []


def test_a_changed_paragraph_of_a_paper_is_news_and_its_unchanged_ones_are_not(cli, archive, tmp_path):
    assert cli("follow", "add", "potholes", "pothole repairs budget", "--index", archive).code == 0
    paper = tmp_path / "old" / "highways.txt"
    paper.write_text(OLD + "\n2. Repairs\n\n2.1 Pothole repairs will be finished within 28 days under the new "
                     "budget.\n")
    assert cli("ingest", paper, "--index", archive).code == 0
    news = cli("follow", "news", "--json", "--index", archive).json()
    assert [n["hit"]["section"] for n in news] == ["2.1"]


def test_a_public_follower_never_gets_an_exempt_passage_and_a_member_gets_it_marked(cli, archive, tmp_path, inbox,
                                                                                     web):
    import feedparser

    assert cli("follow", "add", "public", QUERY, "--email", "pub@example.org", "--every", "now",
               "--index", archive).code == 0
    assert cli("follow", "add", "member", QUERY, "--include-exempt", "--email", "cllr@example.org", "--every", "now",
               "--index", archive).code == 0
    secret = _papers(tmp_path, "secret", agency=SECRET)
    assert cli("ingest", secret, "--index", archive).code == 0

    assert cli("follow", "news", "public", "--json", "--index", archive).json() == []
    [member] = cli("follow", "news", "member", "--json", "--index", archive).json()
    assert member["hit"]["exempt"] is True and "£900 a week" in member["hit"]["text"]
    assert "Cabinet · 5 March 2024 · Untitled · para 1.1 · Not for publication" in cli(
        "follow", "news", "member", "--index", archive).out

    [entry] = feedparser.parse(web.get(_feed_path(cli, archive, "member")).content).entries
    assert entry.title == "Cabinet · 5 March 2024 · Untitled · para 1.1 · Not for publication"
    assert feedparser.parse(web.get(_feed_path(cli, archive, "public")).content).entries == []

    assert cli("follow", "send", "--index", archive).code == 0
    assert [m["To"] for m in inbox.messages] == ["cllr@example.org"]
    text, html = _body(inbox.messages[0], "plain"), _body(inbox.messages[0], "html")
    assert "para 1.1 · Not for publication" in text and "NOT FOR PUBLICATION: do not share" in text
    assert "para 1.1 · Not for publication" in html and "£900 a week" in html


def test_a_paper_marked_exempt_later_leaves_the_public_news(cli, archive, tmp_path):
    assert cli("follow", "add", "public", QUERY, "--index", archive).code == 0
    new = _papers(tmp_path, "new", fostering=ANSWER)
    assert cli("ingest", new, "--index", archive).code == 0
    assert len(cli("follow", "news", "--json", "--index", archive).json()) == 1
    (new / "manifest.csv").write_text("file,exempt\nfostering.txt,yes\n")
    assert cli("ingest", new, "--index", archive).code == 0
    assert cli("follow", "news", "--json", "--index", archive).json() == []


def test_a_failed_send_is_reported_and_sent_next_time_once(cli, archive, tmp_path, inbox, monkeypatch):
    assert cli("follow", "add", "fostering", QUERY, "--email", "jo@example.org", "--every", "daily",
               "--index", archive).code == 0
    assert cli("ingest", _papers(tmp_path, "new", fostering=ANSWER), "--index", archive).code == 0
    monkeypatch.setenv("CS_ARCHIVE_SMTP_PORT", str(_free_port()))  # nobody listens there
    r = cli("follow", "send", "--index", archive)
    assert r.code == 1 and "not sent to jo@example.org: ConnectionRefusedError" in r.err
    assert "It will be tried again next time" in r.err
    assert "last send failed: ConnectionRefusedError" in cli("follow", "list", "--index", archive).out

    monkeypatch.setenv("CS_ARCHIVE_SMTP_PORT", str(inbox.port))
    r = cli("follow", "send", "--index", archive)
    assert r.code == 0 and "sent 1 passage to jo@example.org" in r.err
    assert len(inbox.messages) == 1 and CITATION in _body(inbox.messages[0], "plain")
    assert "last send failed" not in cli("follow", "list", "--index", archive).out
    assert cli("follow", "send", "--index", archive).code == 0 and len(inbox.messages) == 1


def test_without_smtp_settings_a_due_digest_is_a_failure_that_says_what_to_set(cli, archive, tmp_path, monkeypatch):
    monkeypatch.delenv("CS_ARCHIVE_SMTP_HOST", raising=False)
    assert cli("follow", "add", "fostering", QUERY, "--email", "jo@example.org", "--index", archive).code == 0
    assert cli("follow", "send", "--index", archive).code == 0  # nothing due: no settings needed
    assert cli("ingest", _papers(tmp_path, "new", fostering=ANSWER), "--index", archive).code == 0
    r = cli("follow", "send", "--index", archive)
    assert r.code == 1 and "CS_ARCHIVE_SMTP_HOST is not set" in r.err


def test_daily_and_weekly_digests_wait_their_turn(cli, archive, tmp_path, inbox):
    from cs_archive.follow.mail import send

    for name, every in (("daily", "daily"), ("weekly", "weekly")):
        assert cli("follow", "add", name, QUERY, "--email", f"{name}@example.org", "--every", every,
                   "--index", archive).code == 0
    assert cli("ingest", _papers(tmp_path, "first", fostering=ANSWER), "--index", archive).code == 0
    now = datetime.now(timezone.utc)
    assert sorted(r for r, _ in send(archive, now=now).sent) == ["daily@example.org", "weekly@example.org"]
    assert cli("ingest", _papers(tmp_path, "second", agency=SECRET.replace("NOT FOR PUBLICATION", "")),
               "--index", archive).code == 0
    assert send(archive, now=now + timedelta(hours=3)).sent == []
    assert send(archive, now=now + timedelta(days=1)).sent == [("daily@example.org", 1)]
    assert send(archive, now=now + timedelta(days=7)).sent == [("weekly@example.org", 1)]
    assert len(inbox.messages) == 4


def test_the_unsubscribe_link_stops_the_digests_in_one_click(cli, archive, tmp_path, inbox, web):
    assert cli("follow", "add", "fostering", QUERY, "--email", "jo@example.org", "--every", "now",
               "--index", archive).code == 0
    assert cli("ingest", _papers(tmp_path, "first", fostering=ANSWER), "--index", archive).code == 0
    assert cli("follow", "send", "--index", archive).code == 0
    text = _body(inbox.messages[0], "plain")
    one = next(line.rsplit(" ", 1)[1] for line in text.splitlines() if line.startswith("Stop e-mails for"))
    page = web.get("/" + one.split("/", 3)[3])
    assert page.status_code == 200 and "Unsubscribed" in page.text and "“fostering”" in page.text
    assert "Already unsubscribed" in web.get("/" + one.split("/", 3)[3]).text
    assert web.get("/unsubscribe/not-a-token").status_code == 404
    assert cli("ingest", _papers(tmp_path, "second", agency=SECRET.replace("NOT FOR PUBLICATION", "")),
               "--index", archive).code == 0
    assert cli("follow", "send", "--index", archive).code == 0 and len(inbox.messages) == 1
    assert len(cli("follow", "news", "--json", "--index", archive).json()) == 2  # still followed


def test_the_header_link_stops_every_digest_of_the_address_by_post(cli, archive, tmp_path, inbox, web):
    for name in ("one", "two"):
        assert cli("follow", "add", name, QUERY, "--email", "jo@example.org", "--every", "now",
                   "--index", archive).code == 0
    assert cli("ingest", _papers(tmp_path, "first", fostering=ANSWER), "--index", archive).code == 0
    assert cli("follow", "send", "--index", archive).code == 0
    [msg] = inbox.messages  # one digest per recipient, the passage in it once
    assert msg["Subject"] == "cs-archive: 1 new passage for 2 saved searches"
    link = msg["List-Unsubscribe"].strip().strip("<>")
    assert web.post("/" + link.split("/", 3)[3], data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert [f["email"] for f in cli("follow", "list", "--json", "--index", archive).json()] == [None, None]


def test_a_feed_address_is_secret_revocable_and_unknown_ones_are_404(cli, archive, web):
    from cs_archive.follow.store import opened

    assert cli("follow", "add", "fostering", QUERY, "--index", archive).code == 0
    old = _feed_path(cli, archive, "fostering")
    assert web.get(old).status_code == 200
    with opened(archive) as state:
        state.new_feed_address("fostering")
    assert web.get(old).status_code == 404
    assert web.get(_feed_path(cli, archive, "fostering")).status_code == 200
    assert web.get("/feeds/guess.atom").status_code == 404


def test_feed_text_with_characters_xml_cannot_hold_still_parses(cli, archive, tmp_path, web):
    import feedparser

    assert cli("follow", "add", "fostering", QUERY, "--index", archive).code == 0
    odd = ANSWER.replace("rose to 42", "rose to 42 & <more> \x0c\x01 ]]> “more”")
    assert cli("ingest", _papers(tmp_path, "new", fostering=odd), "--index", archive).code == 0
    [news] = cli("follow", "news", "--json", "--index", archive).json()
    assert "& <more>" in news["hit"]["text"]
    feed = feedparser.parse(web.get(_feed_path(cli, archive, "fostering")).content)
    assert not feed.bozo, feed.bozo_exception
    kept = "".join(c for c in news["hit"]["text"] if c in "\t\n\r" or ord(c) >= 32)
    assert feed.entries[0].content[0].value == kept


@pytest.mark.parametrize("args,code,fragment", [
    (["follow", "add", "x", QUERY, "--index", "{missing}"], 2, "no archive"),
    (["follow", "add", "fostering", "other words", "--index", "{archive}"], 2, "named 'fostering' exists already"),
    (["follow", "add", "y", QUERY, "--email", "not an address", "--index", "{archive}"], 2, "is not an e-mail address"),
    (["follow", "add", "y", QUERY, "--since", "March", "--index", "{archive}"], 2, "--since 'March' is not a date"),
    (["follow", "add", "y", QUERY, "--every", "hourly", "--index", "{archive}"], 2, "invalid choice"),
    (["follow", "add", " ", QUERY, "--index", "{archive}"], 2, "give the saved search a name"),
    (["follow", "remove", "nobody", "--index", "{archive}"], 1, "no saved search named 'nobody'"),
    (["follow", "news", "nobody", "--index", "{archive}"], 1, "no saved search named 'nobody'"),
])
def test_follow_errors(cli, archive, tmp_path, args, code, fragment):
    assert cli("follow", "add", "fostering", QUERY, "--index", archive).code == 0
    r = cli(*[a.format(missing=tmp_path / "nowhere", archive=archive) for a in args])
    assert r.code == code, (r.out, r.err)
    assert fragment in r.err


def test_list_remove_and_news_since(cli, archive, tmp_path):
    assert cli("follow", "list", "--index", archive).out.startswith("No saved searches")
    assert cli("follow", "add", "fostering", QUERY, "--committee", "children", "--since", "2024-01-01",
               "--index", archive).code == 0
    [f] = cli("follow", "list", "--json", "--index", archive).json()
    assert (f["committee"], f["since"], f["role"], f["every"], f["email"]) == ("children", "2024-01-01", "public",
                                                                              "daily", None)
    assert cli("ingest", _papers(tmp_path, "new", fostering=ANSWER), "--index", archive).code == 0
    assert len(cli("follow", "news", "--since", "2000-01-01", "--json", "--index", archive).json()) == 1
    assert cli("follow", "news", "--since", "2999-01-01", "--json", "--index", archive).json() == []
    assert cli("follow", "remove", "fostering", "--index", archive).code == 0
    assert cli("follow", "news", "--json", "--index", archive).json() == []


def test_a_postgresql_archive_keeps_its_saved_searches_in_the_named_folder(cli, pg_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CS_ARCHIVE_FOLLOW_DIR", str(tmp_path / "follow"))
    assert cli("ingest", _papers(tmp_path, "old", highways=OLD), "--store", pg_url).code == 0
    assert cli("follow", "add", "fostering", QUERY, "--store", pg_url).code == 0
    new = _papers(tmp_path, "new", fostering=ANSWER, parking=OTHER)
    assert cli("ingest", new, "--store", pg_url).code == 0
    news = cli("follow", "news", "--json", "--store", pg_url).json()
    assert [n["hit"]["source"] for n in news] == [str(new / "fostering.txt")]
    assert [p.name for p in (tmp_path / "follow").glob("follow-*.sqlite")] != []
    assert cli("ingest", tmp_path / "old", new, "--rebuild", "--store", pg_url).code == 0
    assert cli("follow", "news", "--json", "--store", pg_url).json() == news
