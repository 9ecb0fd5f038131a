"""A Griffe extension for the guide's API reference: linksim's docstrings use Sphinx roles
(``:func:`run```, ``:class:`~linksim.core.record.Record```) and ``::`` literal blocks; in
the Markdown that mkdocstrings renders they become code spans and plain code blocks."""
from __future__ import annotations

import re

import griffe

_ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|obj|exc):`~?([^`]+)`")
_MATH = re.compile(r":math:`([^`]+)`")


def plain(text: str) -> str:
    text = _ROLE.sub(lambda m: f"`{m.group(1)}`", text)
    text = _MATH.sub(lambda m: f"`{m.group(1)}`", text)
    text = re.sub(r"``([^`]+)``", r"`\1`", text)
    text = re.sub(r"(?m)^(\s*)::\s*$", "", text)          # a bare "::" line
    return re.sub(r"(?m)(\S)::\s*$", r"\1:", text)        # "text::" -> "text:"


class SphinxRoles(griffe.Extension):
    def on_object(self, *, obj, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = plain(obj.docstring.value)
