"""The command line reads as documentation: every subcommand with a one-line example in
``regsim --help``, ``regsim serve --help`` grouped by concern, and ``regsim --version``."""

from __future__ import annotations

import argparse

import pytest

from regsim import cli


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_help_lists_every_subcommand_with_a_one_line_example(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    commands = _subcommands(cli._parser())
    assert set(commands) == set(cli.COMMAND_EXAMPLES), "every subcommand needs an example line"
    examples = text.split("examples:", 1)[1]
    for name in commands:
        assert f"regsim {name} " in examples, f"no example of 'regsim {name}' in regsim --help:\n{text}"
        assert f"\n    {name} " in text, f"'{name}' is not listed with its help line"


def test_serve_help_groups_its_options(capsys):
    with pytest.raises(SystemExit):
        cli.main(["serve", "--help"])
    text = capsys.readouterr().out
    for group, option in [("storage:", "--data"), ("access:", "--access"), ("classroom:", "--classroom"),
                          ("limits", "--max-body"), ("network and output:", "--port")]:
        assert group in text, f"no {group!r} group in serve --help"
        section = text.split(group, 1)[1].split("\n\n", 1)[0]
        assert option in section, f"{option} is not under {group!r}"


def test_every_serve_option_is_in_a_named_group():
    serve = _subcommands(cli._parser())["serve"]
    for group in serve._action_groups:
        if group.title in ("options", "optional arguments", "positional arguments"):
            loose = [a.option_strings for a in group._group_actions if "-h" not in a.option_strings]
            assert not loose, f"options outside a group in serve --help: {loose}"


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("regsim ") and out.split()[1][0].isdigit(), out
