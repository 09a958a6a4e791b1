"""Optional dependencies of the training tools (the ``cli`` extra), imported when needed."""
import importlib

CLI_EXTRA_HINT = "pip install 'chainrule[cli]'"


def require(module, purpose):
    """Import ``module`` or raise an ImportError saying which extra provides it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        package = module.split(".")[0]
        raise ImportError(f"{purpose} needs {package}, part of the cli extra: {CLI_EXTRA_HINT}") from None
