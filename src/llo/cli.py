"""The `llo` command: run the demo or one service, print dev tokens, inspect and replay DLQs."""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

import typer

app = typer.Typer(help="llo-match: regional LLO matchmaking", no_args_is_help=True)
dlq_app = typer.Typer(help="Dead-letter topics on Kafka: list and replay", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")


def _add_service_commands() -> None:
    """A service with commands of its own exposes a Typer app as `<service>.cli:app`."""
    import importlib

    for service in ("catalogue", "matching", "recruitment", "billing"):
        try:
            module = importlib.import_module(f"{service}.cli")
        except ModuleNotFoundError as error:
            if error.name != f"{service}.cli":
                raise
            continue
        app.add_typer(module.app, name=service)


_add_service_commands()

Host = Annotated[str, typer.Option(help="Interface to listen on")]
Port = Annotated[int, typer.Option(help="Port to listen on")]
Bootstrap = Annotated[str, typer.Option(envvar="LLO_KAFKA_BOOTSTRAP", help="Kafka bootstrap servers")]
Topic = Annotated[str | None, typer.Option(help="Only this topic's DLQ (without .dlq)")]


@app.command()
def demo(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """Run all four services in one process with in-memory stores and demo data."""
    import uvicorn

    from llo.embedded import EmbeddedApp

    url = f"http://{host}:{port}"
    typer.echo(f"LLO-match demo starting: open {url}/catalogue/  (API docs: {url}/catalogue/docs)")
    typer.echo(
        "Services: " + ", ".join(f"{url}/{s}/" for s in ("catalogue", "matching", "recruitment", "billing"))
    )
    uvicorn.run(EmbeddedApp(environment=demo_environment()), host=host, port=port, log_level="warning")


def demo_environment() -> str:
    """`LLO_ENVIRONMENT` when set: `LLO_ENVIRONMENT=production llo demo` must not offer demo
    sign-in or dev tokens (it needs an issuer's JWKS, as every production process does)."""
    return os.environ.get("LLO_ENVIRONMENT") or "demo"


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help="catalogue, matching, recruitment or billing")],
    host: Host = "127.0.0.1",
    port: Port = 8000,
) -> None:
    """Run one service as its own process; settings come from LLO_<SERVICE>_* variables."""
    import uvicorn

    from llo.embedded import service_factories

    factories = service_factories()
    if service not in factories:
        raise typer.BadParameter(f"choose one of {', '.join(factories)}", param_hint="SERVICE")
    create_app, settings_cls = factories[service]
    typer.echo(f"{service} listening on http://{host}:{port}/{service}/")
    uvicorn.run(create_app(settings_cls()), host=host, port=port, log_level="warning")


@app.command()
def gateway(
    upstream: Annotated[list[str], typer.Option(help="SERVICE=URL, once per service")],
    host: Host = "127.0.0.1",
    port: Port = 8000,
) -> None:
    """Serve one address that forwards /<service>/ to each service process (the local stack)."""
    import uvicorn

    from llo.gateway import Gateway

    routes = dict(item.split("=", 1) for item in upstream)
    typer.echo(f"gateway on http://{host}:{port}/ -> " + ", ".join(f"/{s}/ {u}" for s, u in routes.items()))
    uvicorn.run(Gateway(routes), host=host, port=port, log_level="warning")


@app.command()
def token(
    role: Annotated[str, typer.Option(help="employer, provider, rmt, finance or admin")],
    org: Annotated[str, typer.Option(help="Organisation id (KvK, OIN or institution code)")],
    region: Annotated[str | None, typer.Option(help="Region, e.g. flevoland")] = None,
    ttl: Annotated[int, typer.Option(help="Lifetime in seconds")] = 8 * 3600,
) -> None:
    """Print a dev-mode bearer token signed with the local dev key."""
    from llo_shared.auth import issue_dev_token
    from llo_shared.settings import ServiceSettings

    settings = ServiceSettings()
    if settings.environment == "production":
        raise typer.BadParameter("dev tokens are refused in production")
    try:
        typer.echo(issue_dev_token(settings, role=role, org=org, region=region, ttl_s=ttl))
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--role") from None


@dlq_app.command("list")
def dlq_list(bootstrap: Bootstrap = "127.0.0.1:19092", topic: Topic = None) -> None:
    """Show dead letters not yet replayed, with their error."""
    dead = asyncio.run(_with_kafka(bootstrap, lambda bus: bus.dead_letters(topic)))
    for letter in dead:
        headers = letter.message.headers
        typer.echo(
            f"{letter.original_topic}\tkey={letter.message.key}\tgroup={headers.get('x-consumer-group', '')}"
            f"\tattempts={headers.get('x-attempts', '')}\t{letter.error}"
        )
    typer.echo(f"{len(dead)} dead letter(s)", err=True)


@dlq_app.command("replay")
def dlq_replay(bootstrap: Bootstrap = "127.0.0.1:19092", topic: Topic = None) -> None:
    """Put dead letters back on their original topic."""
    count = asyncio.run(_with_kafka(bootstrap, lambda bus: bus.replay_dead_letters(topic)))
    typer.echo(f"replayed {count} message(s)")


async def _with_kafka(bootstrap: str, action):
    from llo_shared.bus_kafka import KafkaBus

    bus = KafkaBus(bootstrap, client_id=f"llo-cli-{os.getpid()}")
    await bus.start()
    try:
        return await action(bus)
    finally:
        await bus.stop()


if __name__ == "__main__":
    app()
