"""``chainrule playground``: serve the backprop playground on this machine (Click)."""
import ipaddress
import webbrowser

import click

from ..cli_types import Number

INSTALL_HINT = "chainrule playground needs the playground extra: pip install 'chainrule[playground]'"


def _address(ctx, param, value):
    """An IP address or ``localhost`` (a typo must not silently listen elsewhere)."""
    if value == "localhost":
        return value
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an IP address (such as 127.0.0.1 or ::1) or localhost") from None


@click.command("playground")
@click.option("--host", default="127.0.0.1", show_default=True, callback=_address,
              help="Address to listen on; anything but 127.0.0.1/localhost exposes the page to the network.")
@click.option("--port", default=8000, show_default=True, type=Number(int, 0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("--no-browser", is_flag=True, help="Do not open the page in a browser.")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="A directory with MNIST's four IDX files for the digits view (default: chainrule's "
                   "data cache; without them the embedded 8x8 digits).")
def playground_command(host, port, no_browser, data_dir):
    """Serve the backprop playground: step through backpropagation in the browser."""
    try:
        import uvicorn

        from .app import create_app
    except ImportError:
        raise click.ClickException(INSTALL_HINT) from None
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: listening on {host}: other machines can reach the playground", err=True)
    try:
        app = create_app(data_dir=data_dir)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--data-dir") from None
    config = uvicorn.Config(app, host=host, port=port, log_level="warning")
    server = uvicorn.Server(config)
    _announce_when_started(server, host, no_browser)
    server.run()


def _announce_when_started(server, host, no_browser):
    """Print the URL (with the port really bound, which --port 0 leaves to the system)
    and open the browser once uvicorn listens."""
    startup = server.startup

    async def announced_startup(sockets=None):
        await startup(sockets=sockets)
        if not server.started:
            return
        port = server.servers[0].sockets[0].getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        url = f"http://{shown}:{port}/"
        click.echo(f"chainrule playground: {url}  (Ctrl+C to stop)")
        if not no_browser:
            webbrowser.open(url)

    server.startup = announced_startup


COMMANDS = [playground_command]
