"""`llo catalogue ...`: bulk import and the decision sweep, against the configured store.

Settings come from LLO_CATALOGUE_* (storage=mongo, mongo_url, mongo_database); the running
services pick up imported offerings through their outbox relay and search sync.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer

from catalogue.settings import CatalogueSettings
from catalogue.store import CatalogueStore
from catalogue.usecases import sweep_decisions
from catalogue.usecases.imports import import_file
from llo_shared.service import open_infrastructure

app = typer.Typer(help="Catalogue: bulk import of offerings, decision sweep", no_args_is_help=True)


def _store() -> tuple[CatalogueStore, CatalogueSettings]:
    settings = CatalogueSettings()
    infra = open_infrastructure("catalogue", settings)
    return CatalogueStore(infra.db), settings


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help=".csv or .json")],
    provider: Annotated[str, typer.Option(help="Provider id the offerings belong to, e.g. BRIN-25LH")],
    report: Annotated[Path | None, typer.Option(help="Also write the validation report as JSON here")] = None,
) -> None:
    """Import a provider's offerings (and cohorts): validate every row, then write all or nothing."""
    store, settings = _store()
    if settings.storage == "memory":
        typer.echo("note: LLO_CATALOGUE_STORAGE=memory, the import is validated and then forgotten", err=True)

    def progress(done: int, total: int) -> None:
        if done == total or done % 25 == 0:
            typer.echo(f"  {done}/{total} offerings written", err=True)

    typer.echo(f"importing {file} for {provider}", err=True)
    result = asyncio.run(import_file(store, file, provider, progress))
    if report:
        report.write_text(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    for error in result.errors:
        typer.echo(str(error))
    if not result.committed:
        typer.echo(f"{len(result.errors)} error(s) in {result.rows} row(s): nothing imported", err=True)
        raise typer.Exit(1)
    typer.echo(f"imported {result.offerings} offering(s) and {result.cohorts} cohort(s)", err=True)


@app.command("sweep")
def sweep_command() -> None:
    """Run the decision-date sweep once (CohortDecisionDue / automatic go at break-even)."""
    store, _ = _store()
    typer.echo(json.dumps(asyncio.run(sweep_decisions(store))))
