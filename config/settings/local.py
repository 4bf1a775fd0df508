"""A laptop: DEBUG on, embedded PostgreSQL and filesystem broker unless the environment says otherwise."""

from config.embedded_postgres import database_from_env_or_embedded

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
DATABASES = {"default": database_from_env_or_embedded(env, name="rebook")}
