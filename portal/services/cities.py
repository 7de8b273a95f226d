"""Importing the city list as ticketing sites publish it."""

import json

from sqlalchemy import select

from ..models import City

INT_RANGE = range(-(2**31), 2**31)  # what the city table's INT columns store


class CityFileError(ValueError):
    """The file is not a city list of the expected shape."""


def parse_cities(text):
    """The cities of a `{"returnCode": "0", "returnValue": {"A": [...]}}` document."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise CityFileError(f"not JSON: {exc}") from None
    groups = document.get("returnValue") if isinstance(document, dict) else None
    if not isinstance(groups, dict):
        raise CityFileError('expected {"returnValue": {"A": [...], ...}}')
    cities = []
    for letter, entries in sorted(groups.items()):
        for entry in entries or ():
            try:
                cities.append(
                    {
                        "id": int(entry["id"]),
                        "name": str(entry["regionName"]).strip(),
                        "pinyin": str(entry.get("pinYin") or "").strip().upper(),
                        "letter": str(letter)[:1].upper(),
                        "city_code": int(entry["cityCode"]) if entry.get("cityCode") else None,
                        "parent_id": int(entry.get("parentId") or 0),
                    }
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise CityFileError(f"bad city entry under {letter!r}: {entry!r} ({exc})") from None
            too_big = [
                key
                for key in ("id", "city_code", "parent_id")
                if cities[-1][key] is not None and cities[-1][key] not in INT_RANGE
            ]
            if too_big:
                raise CityFileError(
                    f"bad city entry under {letter!r}: {entry!r} "
                    f"({', '.join(too_big)} beyond the INT range)"
                )
    return cities


def upsert_cities(session, cities, progress=None):
    """Insert new cities and update changed ones by id; returns (created, updated)."""
    existing = {c.id: c for c in session.scalars(select(City))}
    created = updated = 0
    for data in cities:
        city = existing.get(data["id"])
        if city is None:
            session.add(City(**data))
            created += 1
        else:
            changed = False
            for key, value in data.items():
                if getattr(city, key) != value:
                    setattr(city, key, value)
                    changed = True
            updated += changed
        if progress:
            progress(1)
    session.flush()
    return created, updated
