import select
import subprocess
import sys
import urllib.request

from click.testing import CliRunner

from chainrule.cli import build_cli


def test_playground_is_a_chainrule_command():
    result = CliRunner().invoke(build_cli(), ["playground", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--no-browser", "--data-dir"):
        assert option in result.output
    assert "127.0.0.1" in result.output


def test_bad_port_is_a_usage_error():
    result = CliRunner().invoke(build_cli(), ["playground", "--port", "70000", "--no-browser"])
    assert result.exit_code == 2 and "70000" in result.output


def test_a_data_dir_without_mnist_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(build_cli(), ["playground", "--no-browser", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "no MNIST files" in result.output and str(tmp_path) in result.output


def _serve(subprocess_env, *options):
    return subprocess.Popen(
        [sys.executable, "-m", "chainrule", "playground", "--no-browser", "--port", "0", *options],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=subprocess_env,
    )


def _line(stream, seconds=120):
    """The next line of ``stream``; fails instead of hanging when none comes."""
    ready, _, _ = select.select([stream], [], [], seconds)
    assert ready, f"no output within {seconds} s"
    return stream.readline()


def test_serves_the_page_and_prints_its_url(subprocess_env):
    server = _serve(subprocess_env)
    try:
        line = _line(server.stdout)
        assert line.startswith("chainrule playground: http://127.0.0.1:")
        url = line.split()[2]
        with urllib.request.urlopen(url, timeout=30) as reply:
            assert reply.status == 200 and b"backprop playground" in reply.read()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_other_hosts_get_a_warning(subprocess_env):
    server = _serve(subprocess_env, "--host", "127.0.0.2")  # loopback, yet not the default
    try:
        warning, line = _line(server.stderr), _line(server.stdout)
        assert "warning: listening on 127.0.0.2" in warning
        assert line.startswith("chainrule playground: http://127.0.0.2:")
    finally:
        server.terminate()
        server.wait(timeout=30)
