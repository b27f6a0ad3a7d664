"""The page's routes, by area, each an APIRouter of WebRoute (services.api.web.render)."""
