"""The page's retention area."""
from __future__ import annotations

from fastapi import APIRouter

from services.api.web.render import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
