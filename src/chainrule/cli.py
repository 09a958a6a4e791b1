"""The ``chainrule`` command (also ``python -m chainrule``).

Subcommands come from ``chainrule.train.commands.COMMANDS`` (train, eval, predict, summary)
and, when present, ``chainrule.explain.commands.COMMANDS``. Click and the other
command-line packages are the ``cli`` extra; without them ``main`` says how to install it.
"""
import importlib
import sys

CLI_EXTRA_MESSAGE = "chainrule: the command-line tools need the cli extra: pip install 'chainrule[cli]'"
COMMAND_MODULES = ("chainrule.train.commands", "chainrule.explain.commands")
COMMAND_MODULES += ("chainrule.learn.commands",)


def build_cli():
    """The ``chainrule`` click group with every available subcommand."""
    import click

    from . import __version__

    @click.group(context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(__version__, prog_name="chainrule")
    def cli():
        """chainrule: backpropagation made visible. Train, evaluate and explain networks."""

    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if not (module_name + ".").startswith(exc.name + "."):
                raise  # a missing dependency inside the module, not a missing module
            continue
        for command in module.COMMANDS:
            cli.add_command(command)
    return cli


def main(argv=None):
    """Entry point of the ``chainrule`` script."""
    try:
        import click  # noqa: F401
    except ImportError:
        sys.exit(CLI_EXTRA_MESSAGE)
    return build_cli().main(args=argv, prog_name="chainrule")
