"""A database worth protecting for the PostgreSQL plugin's tests, and a fingerprint of it."""

from __future__ import annotations

import subprocess
from typing import Any

import psycopg

from support.postgres import PostgresServer, _pg_bin

SCHEMA = """
CREATE SCHEMA app;
CREATE TABLE app.customers (
    id serial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    created timestamptz NOT NULL DEFAULT '2024-01-01 00:00:00+00',
    profile jsonb
);
CREATE TABLE app.orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id int NOT NULL REFERENCES app.customers(id),
    amount numeric(12, 2) NOT NULL CHECK (amount >= 0),
    note text
);
CREATE INDEX orders_by_customer ON app.orders (customer_id, amount DESC);
CREATE SEQUENCE app.invoice_numbers START 1000 INCREMENT 7;
CREATE VIEW app.big_spenders AS
    SELECT customer_id, sum(amount) AS total FROM app.orders GROUP BY customer_id;
CREATE FUNCTION app.total_of(who int) RETURNS numeric LANGUAGE sql STABLE
    AS 'SELECT coalesce(sum(amount), 0) FROM app.orders WHERE customer_id = who';
COMMENT ON TABLE app.orders IS 'every order';
CREATE TABLE public.settings (key text PRIMARY KEY, value bytea);
"""


def create_database(server: PostgresServer, name: str, orders: int = 40_000) -> None:
    """Tables, indexes, a sequence, a view, a function and a few MiB of rows."""
    with psycopg.connect(server.dsn(), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    with psycopg.connect(server.dsn(name)) as connection:
        connection.execute(SCHEMA)
        connection.execute(
            "INSERT INTO app.customers (name, profile) SELECT 'customer ' || n, "
            "jsonb_build_object('n', n, 'tags', jsonb_build_array('a', n % 7)) "
            "FROM generate_series(1, 2000) AS n"
        )
        connection.execute(
            "INSERT INTO app.orders (customer_id, amount, note) SELECT 1 + n %% 2000, "
            "(n %% 10000) / 100.0, md5(n::text) || ' ' || repeat('order ', 1 + n %% 12) "
            "FROM generate_series(1, %s) AS n",
            (orders,),
        )
        connection.execute("SELECT nextval('app.invoice_numbers') FROM generate_series(1, 5)")
        connection.execute(
            "INSERT INTO public.settings VALUES ('logo', decode(repeat('ff00', 5000), 'hex')), "
            "('quote', convert_to('it''s binary', 'UTF8') || '\\x00ff'::bytea)"
        )


def fingerprint(server: PostgresServer, name: str) -> dict[str, Any]:
    """Every table's rows (as a digest and a count), sequence states, and the schema."""
    found: dict[str, Any] = {}
    with psycopg.connect(server.dsn(name)) as connection:
        tables = connection.execute(
            "SELECT schemaname, tablename FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
        ).fetchall()
        for schema, table in tables:
            found[f"{schema}.{table}"] = connection.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f'FROM "{schema}"."{table}" t'
            ).fetchone()
        for (sequence,) in connection.execute(
            "SELECT schemaname || '.' || sequencename FROM pg_sequences ORDER BY 1"
        ).fetchall():
            found[f"sequence {sequence}"] = connection.execute(
                f"SELECT last_value, is_called FROM {sequence}"
            ).fetchone()
    pg_bin = _pg_bin()
    assert pg_bin is not None
    schema = subprocess.run(
        [str(pg_bin / "pg_dump"), "--schema-only", server.dsn(name)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    # \restrict and \unrestrict carry a random key per run (PostgreSQL 15.14 and later).
    found["schema"] = [
        line
        for line in schema.splitlines()
        if not line.startswith(("--", "\\restrict", "\\unrestrict"))
    ]
    return found


def drop_database(server: PostgresServer, name: str) -> None:
    with psycopg.connect(server.dsn(), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_exists(server: PostgresServer, name: str) -> bool:
    with psycopg.connect(server.dsn(), autocommit=True) as connection:
        return (
            connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            is not None
        )
