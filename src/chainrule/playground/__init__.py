"""The backprop playground: a local web page where every number comes from chainrule.

``chainrule playground`` serves it (the ``playground`` extra: Starlette and uvicorn).
``create_app()`` (in ``app``) is the ASGI app; ``circuit`` and ``network`` compute what
the page shows, with ``chainrule.explain``; ``static/`` holds the page (plain JavaScript
modules and CSS, no build step, nothing fetched from elsewhere). See docs/playground.md.
"""
