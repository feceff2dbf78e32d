"""Communities (教共体): the list, a community's members and plans, plans and their review,
recorded activities with evidence, assistance applications and the bureau's settings.

One blueprint (``bp``, endpoints ``communities.*``); each area's pages live in the module named
after it. Each view parses its input, calls one service method and renders; the services decide
who may do what (another bureau's ids and communities one may not see answer 404).
"""

from __future__ import annotations

# Importing an area's module adds its routes to the blueprint.
from web.communities import activities, assistance, members, plans, settings
from web.communities.blueprint import bp

__all__ = ["activities", "assistance", "bp", "members", "plans", "settings"]
