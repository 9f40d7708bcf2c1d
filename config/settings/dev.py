"""Local development and the embedded demo: SQLite, console email, tasks run at once."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
