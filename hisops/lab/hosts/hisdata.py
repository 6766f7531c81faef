"""A small HIS-like schema and a deterministic data generator for the lab's primary.

Patients, encounters (outpatient, inpatient, emergency visits) and charges, so drills
have real rows to protect and to check after a switchover or a restore. The same
``patients`` and ``seed`` always give the same rows; :func:`summary` gives counts and
a checksum a drill can compare before and after.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS patients (
    patient_id   bigint PRIMARY KEY,
    mrn          text NOT NULL UNIQUE,
    full_name    text NOT NULL,
    sex          char(1) NOT NULL CHECK (sex IN ('F', 'M')),
    birth_date   date NOT NULL,
    phone        text NOT NULL,
    registered_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS encounters (
    encounter_id bigint PRIMARY KEY,
    patient_id   bigint NOT NULL REFERENCES patients,
    kind         text NOT NULL CHECK (kind IN ('outpatient', 'inpatient', 'emergency')),
    department   text NOT NULL,
    attending    text NOT NULL,
    admitted_at  timestamptz NOT NULL,
    discharged_at timestamptz
);
CREATE INDEX IF NOT EXISTS encounters_patient ON encounters (patient_id);
CREATE TABLE IF NOT EXISTS charges (
    charge_id    bigint PRIMARY KEY,
    encounter_id bigint NOT NULL REFERENCES encounters,
    item_code    text NOT NULL,
    description  text NOT NULL,
    quantity     integer NOT NULL CHECK (quantity > 0),
    unit_price   numeric(10, 2) NOT NULL,
    amount       numeric(12, 2) NOT NULL,
    charged_at   timestamptz NOT NULL,
    paid         boolean NOT NULL
);
CREATE INDEX IF NOT EXISTS charges_encounter ON charges (encounter_id);
"""

SURNAMES = (
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Zhao",
    "Huang",
    "Zhou",
    "Wu",
    "Xu",
    "Sun",
    "Hu",
    "Zhu",
    "Gao",
    "Lin",
    "He",
    "Guo",
    "Ma",
    "Luo",
)
GIVEN = (
    "Wei",
    "Fang",
    "Na",
    "Min",
    "Jing",
    "Li",
    "Qiang",
    "Lei",
    "Jun",
    "Yang",
    "Yong",
    "Yan",
    "Jie",
    "Tao",
    "Ming",
    "Chao",
    "Xiu",
    "Xia",
    "Ping",
    "Gang",
)
DEPARTMENTS = {
    "outpatient": ("internal medicine", "surgery", "paediatrics", "gynaecology", "ENT"),
    "inpatient": ("cardiology", "orthopaedics", "neurology", "general surgery"),
    "emergency": ("emergency",),
}
ITEMS = (
    ("REG001", "registration fee", Decimal("10.00")),
    ("CON002", "specialist consultation", Decimal("50.00")),
    ("LAB010", "complete blood count", Decimal("25.00")),
    ("LAB023", "liver function panel", Decimal("80.00")),
    ("RAD101", "chest X-ray", Decimal("120.00")),
    ("RAD205", "CT head", Decimal("480.00")),
    ("PHA300", "amoxicillin 500 mg", Decimal("1.20")),
    ("PHA311", "saline 500 ml", Decimal("6.50")),
    ("BED400", "general ward bed-day", Decimal("60.00")),
    ("NUR410", "nursing care day", Decimal("35.00")),
)
EPOCH = dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.UTC)

Row = tuple[Any, ...]


def generate(patients: int, seed: int = 2026) -> Iterator[tuple[str, Row]]:
    """Yield ``(table, row)`` for ``patients`` patients, always the same for a seed."""
    if patients < 0:
        raise ValueError("patients must be zero or more")
    rng = random.Random(seed)
    encounter_id = charge_id = 0
    for patient_id in range(1, patients + 1):
        registered = EPOCH + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 300))
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 84))
        name = f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}{rng.choice(GIVEN).lower()}"
        phone = f"1{rng.randrange(30, 90)}{rng.randrange(0, 10**8):08d}"
        yield (
            "patients",
            (patient_id, f"MRN{patient_id:08d}", name, rng.choice("FM"), birth, phone, registered),
        )
        for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
            encounter_id += 1
            kind = rng.choices(("outpatient", "inpatient", "emergency"), (70, 20, 10))[0]
            admitted = registered + dt.timedelta(hours=rng.randrange(0, 24 * 60))
            stay = (
                dt.timedelta(hours=rng.randrange(1, 6))
                if kind != "inpatient"
                else dt.timedelta(days=rng.randrange(1, 15))
            )
            discharged = admitted + stay if rng.random() > 0.05 else None
            yield (
                "encounters",
                (
                    encounter_id,
                    patient_id,
                    kind,
                    rng.choice(DEPARTMENTS[kind]),
                    f"Dr. {rng.choice(SURNAMES)}",
                    admitted,
                    discharged,
                ),
            )
            for _ in range(rng.randrange(1, 7)):
                charge_id += 1
                code, text, price = rng.choice(ITEMS)
                quantity = rng.randrange(1, 5)
                yield (
                    "charges",
                    (
                        charge_id,
                        encounter_id,
                        code,
                        text,
                        quantity,
                        price,
                        price * quantity,
                        admitted + dt.timedelta(minutes=rng.randrange(0, 600)),
                        rng.random() > 0.2,
                    ),
                )


COLUMNS = {
    "patients": "patient_id, mrn, full_name, sex, birth_date, phone, registered_at",
    "encounters": "encounter_id, patient_id, kind, department, attending, admitted_at, "
    "discharged_at",
    "charges": "charge_id, encounter_id, item_code, description, quantity, unit_price, "
    "amount, charged_at, paid",
}


def load(conn: Any, patients: int = 2000, seed: int = 2026) -> dict[str, int]:
    """Create the schema and COPY the generated rows in one transaction (psycopg 3)."""
    counts = dict.fromkeys(COLUMNS, 0)
    rows: dict[str, list[Row]] = {t: [] for t in COLUMNS}
    for table, row in generate(patients, seed):
        rows[table].append(row)
        counts[table] += 1
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(SCHEMA)
        for table in ("patients", "encounters", "charges"):
            with cur.copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as copy:
                for row in rows[table]:
                    copy.write_row(row)
        cur.execute("ANALYZE patients; ANALYZE encounters; ANALYZE charges")
    return counts


def is_loaded(conn: Any) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('public.charges') IS NOT NULL")
        row = cur.fetchone()
        return bool(row and row[0])


def summary(conn: Any) -> dict[str, Any]:
    """Row counts and a checksum (sum of charge amounts) to compare before and after."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT (SELECT count(*) FROM patients), (SELECT count(*) FROM encounters), "
            "(SELECT count(*) FROM charges), (SELECT coalesce(sum(amount), 0) FROM charges)"
        )
        row = cur.fetchone()
    assert row is not None
    return {
        "patients": row[0],
        "encounters": row[1],
        "charges": row[2],
        "charges_total": str(row[3]),
    }
