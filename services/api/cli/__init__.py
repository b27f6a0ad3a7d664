"""The ``dangan`` command line."""
from services.api.cli.main import main

__all__ = ["main"]
