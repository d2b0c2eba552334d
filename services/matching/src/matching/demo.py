"""Demo data (placeholder, filled below)."""


async def seed_demo(matching) -> None:  # type: ignore[no-untyped-def]
    return None
