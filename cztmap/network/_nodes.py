"""Node-id rules that routing needs without importing the graph builder (and its dataset layer)."""

from __future__ import annotations

from typing import Any

__all__ = ["sink"]


def sink(node: Any) -> Any:
    """Arrival node of a place (zone or point); other nodes are their own arrival node.

    Examples
    --------
    >>> sink("Z:430302"), sink("S:wuyiguangchang")
    ('Z:430302:in', 'S:wuyiguangchang')
    """
    if isinstance(node, str) and (node.startswith("Z:") or node.startswith("X:")) and not node.endswith(":in"):
        return f"{node}:in"
    return node
