"""How the explain objects show in a notebook: tables (``_repr_html_``), not reprs.

``trace_html`` lays a ``Trace`` out as three tables (forward, backward, gradients), values
in blue and gradients in red as in the diagrams; ``text_html`` shows a report that is
already a text table (gradcheck, doctor, an example's summary) as preformatted text.
"""
from html import escape

from .circuit import GRAD_COLOR, VALUE_COLOR

_STYLE = "font-family: DejaVu Sans Mono, monospace; font-size: 12px; border-collapse: collapse"
_CELL = "padding: 1px 10px 1px 0; text-align: left; vertical-align: top"


def _cell(text, color=None, bold=False, span=1):
    style = _CELL + (f"; color: {color}" if color else "") + ("; font-weight: bold" if bold else "")
    colspan = f' colspan="{span}"' if span > 1 else ""
    return f'<td style="{style}"{colspan}>{escape(str(text))}</td>'


def _table(caption, rows):
    body = "".join(f"<tr>{''.join(cells)}</tr>" for cells in rows)
    return (f'<table style="{_STYLE}"><caption style="text-align: left; font-weight: bold">'
            f"{escape(caption)}</caption>{body}</table>")


def trace_html(trace):
    forward = [[_cell(name, bold=True), _cell(formula), _cell("= " + value, VALUE_COLOR)]
               for name, formula, value in trace.rows["forward"]]
    backward = []
    for row in trace.rows["backward"]:
        if row[0] == "seed":
            backward.append([_cell(row[1], GRAD_COLOR, span=3), _cell(f"(seed: {row[2]})")])
        elif row[0] == "gate":
            backward.append([_cell(row[1], bold=True, span=3), _cell(row[2])])
        else:
            _, target, shown, result, notes = row
            backward.append([_cell(target), _cell(shown), _cell("= " + result, GRAD_COLOR), _cell(notes)])
    gradients = [[_cell(name, bold=True), _cell("= " + grad, GRAD_COLOR)] for name, grad in trace.rows["gradients"]]
    out = trace.output_name
    return "".join([
        _table("forward: every value in the order it is computed", forward),
        _table(f"backward: each gate in reverse order; dv means d{out}/dv; fan-out adds (dv += ...)", backward),
        _table("gradients", gradients),
    ])


def text_html(text):
    """A text report (its columns aligned with spaces) as preformatted HTML."""
    return f'<pre style="font-family: DejaVu Sans Mono, monospace; font-size: 12px">{escape(str(text))}</pre>'


def layers_html(caption, columns):
    """One row per layer l = 1..L, one column per quantity: ``columns`` is a list of
    (header, arrays), each array shown by its shape and statistics."""
    from .graph import format_value

    count = max(len(arrays) for _, arrays in columns)
    header = [_cell("l", bold=True)] + [_cell(name, bold=True) for name, _ in columns]
    rows = [header] + [[_cell(l + 1)] + [_cell(format_value(arrays[l]) if l < len(arrays) else "")
                                         for _, arrays in columns] for l in range(count)]
    return _table(caption, rows)


def show(obj):
    """Display ``obj`` as a notebook does (its table or picture) when running in a Jupyter
    kernel, else print it: a tutorial reads the same as a script and as a notebook."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # IPython is optional: without it there is no notebook to show in
        get_ipython = None
    if get_ipython is not None and getattr(get_ipython(), "kernel", None) is not None:
        display(obj)
    else:
        print(obj)
