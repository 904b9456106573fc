"""A campaign storage that cannot be used is one `error:` line naming it, and a file that is
not an Optuna journal is never appended to."""

import hashlib
import socket

import pytest
from typer.testing import CliRunner

from constrae.cli import app
from tune_workers import write_space


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tune(*args):
    return CliRunner().invoke(app, ["tune", *map(str, args)])


@pytest.mark.parametrize(
    "url, message",
    [
        ("postgresql://someone:hunter2@127.0.0.1:{port}/study", "someone:***@127.0.0.1:{port}/study: cannot open it"),
        ("notascheme://somewhere", "notascheme://somewhere: cannot open it: Can't load plugin"),
        ("sqlite:////nonexistent/folder/study.db", "sqlite:////nonexistent/folder/study.db: cannot open it"),
    ],
)
def test_an_unusable_database_url_is_named_without_its_password(tmp_path, url, message):
    port = closed_port()
    result = tune("run", write_space(tmp_path), "--study", "s", "--storage", url.format(port=port), "--trials", "1")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: --storage ") and message.format(port=port) in result.stderr
    assert "hunter2" not in result.output


@pytest.mark.parametrize("content", [b"hello\nworld\n", bytes(range(256)) * 3, b'{"no_op_code": 1}\n'])
def test_a_file_that_is_not_a_journal_is_refused_and_left_as_it_was(tmp_path, content):
    journal = tmp_path / "mine.journal"
    journal.write_bytes(content)
    before = hashlib.sha256(content).hexdigest()
    for args in (
        ("run", write_space(tmp_path), "--study", "s", "--storage", journal, "--trials", "1"),
        ("report", "--study", "s", "--storage", journal, "--out", tmp_path / "report"),
    ):
        result = tune(*args)
        assert result.exit_code == 2, result.output
        assert "mine.journal is not an Optuna journal: line 1" in result.stderr
    assert hashlib.sha256(journal.read_bytes()).hexdigest() == before


def test_a_folder_as_journal_storage_is_named(tmp_path):
    result = tune("report", "--study", "s", "--storage", tmp_path, "--out", tmp_path / "report")
    assert result.exit_code == 2 and "is a folder; give a journal file" in result.stderr
