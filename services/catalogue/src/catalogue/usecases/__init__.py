"""The catalogue's application layer: what the API, the pages, the consumers, the command line and
the demo seed do, each step once. Typed in, typed out (documents as `catalogue.documents.Document`),
refusals as named errors (`catalogue.domain.errors`); the store only reads and writes.

- `offerings.py`: register a provider, form a consortium and change its members, publish, update
  and withdraw an offering;
- `cohorts.py`: schedule and change a cohort, the status machine, the owner check;
- `seats.py`: seat decisions (reserve, release, a run of them) through the seat ledger;
- `decisions.py`: the go/no-go decision, the decision-date sweep, surcharge acceptances;
- `imports.py`: bulk import of offerings with cohorts, staged and all or nothing.
"""

from catalogue.usecases.cohorts import own_cohort, schedule_cohort, set_status, update_cohort
from catalogue.usecases.decisions import (
    call_off,
    decide,
    record_surcharge_acceptance,
    sweep_decisions,
    take_decision,
    work_list,
)
from catalogue.usecases.offerings import (
    change_consortium_members,
    create_consortium,
    publish_offering,
    register_provider,
    update_offering,
    withdraw_offering,
)
from catalogue.usecases.seats import SeatChange, SeatOutcome, change_seats, release_seat, reserve_seat

__all__ = [
    "SeatChange",
    "SeatOutcome",
    "call_off",
    "change_consortium_members",
    "change_seats",
    "create_consortium",
    "decide",
    "own_cohort",
    "publish_offering",
    "record_surcharge_acceptance",
    "register_provider",
    "release_seat",
    "reserve_seat",
    "schedule_cohort",
    "set_status",
    "sweep_decisions",
    "take_decision",
    "update_cohort",
    "update_offering",
    "withdraw_offering",
    "work_list",
]
