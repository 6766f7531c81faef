"""The operator console (issue 20): the hospital drawn and coloured by state.

Layout: ``sources`` (read each source on its own; a missing one is named, never a crash),
``model`` (pure: what was read -> nodes, links and panels with states, colours, labels),
``drawing`` (Graphviz: the graph, laid out by ``dot`` into inline SVG), ``render`` (the
Jinja2 page, zh/en), ``server`` (``hisops console``: read-only HTTP), ``snapshot``
(``write_snapshot``: the page written by each daily inspection), ``cli``.
"""
