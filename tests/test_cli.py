from conftest import run_cli


def test_help_lists_commands():
    result = run_cli("--help")
    assert result.code == 0
    assert "Usage" in result.stdout


def test_unknown_command_is_usage_error():
    result = run_cli("no-such-command")
    assert result.code == 2
    assert "Traceback" not in result.stderr
