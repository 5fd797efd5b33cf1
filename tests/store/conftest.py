from support.postgres import database_url, postgres_server  # noqa: F401
