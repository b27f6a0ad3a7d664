"""The start page: what the signed-in user's role can do, one click away."""
from __future__ import annotations

from fastapi import APIRouter, Request, Response

from services.api.web.render import WebRoute, render
from services.api.web.session import WebUser

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@router.get("/")
def home(request: Request, user: WebUser) -> Response:
    return render(request, "home.html", user=user)
