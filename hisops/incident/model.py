"""The plan's vocabulary: fault classes (P2), the symptoms workstations report (P1.1), and
a class suggested from the symptoms and the scope (the operator decides)."""

from __future__ import annotations

CLASSES: dict[str, str] = {
    "1": "class 1 (whole hospital: the network is paralysed)",
    "2": "class 2 (regional: a switch, part of the network or of the database)",
    "3": "class 3 (single point: one terminal)",
    "insurance": "medical-insurance line or endpoint (finance and the insurance office)",
}
CLASS_NAMES_ZH: dict[str, str] = {"1": "一类", "2": "二类", "3": "三类", "insurance": "医保"}

SYMPTOMS: dict[str, str] = {
    "db_slow": "database access slow",
    "cannot_enter": "program cannot be entered",
    "cannot_save": "data cannot be saved",
    "network_unreachable": "network unreachable",
    "intermittent": "application works intermittently",
}

SYMPTOMS_ZH: dict[str, str] = {
    "db_slow": "数据库访问慢",
    "cannot_enter": "程序无法进入",
    "cannot_save": "数据无法保存",
    "network_unreachable": "网络不通",
    "intermittent": "程序时好时坏",
}

# What failed, as the person on the phone can tell it -> the class the plan's examples give.
SCOPES: dict[str, str] = {
    "hospital": "1",
    "server": "1",
    "database_server": "1",
    "backbone": "1",
    "core_switch": "1",
    "price_catalogue": "1",
    "key_terminal": "1",
    "switch": "2",
    "region": "2",
    "department": "2",
    "database_part": "2",
    "terminal": "3",
    "insurance": "insurance",
}

OPEN, RESOLVED, CLOSED = "open", "resolved", "closed"


def check_class(value: str, field: str = "class") -> str:
    from .errors import IncidentError

    value = str(value).strip().lower()
    if value in ("医保", "yibao"):
        value = "insurance"
    if value not in CLASSES:
        raise IncidentError(field, f"{value!r} is not a class; one of {', '.join(CLASSES)}")
    return value


def suggest_class(symptoms: list[str], scope: str | None) -> tuple[str | None, str]:
    """The plan's examples as a suggestion: (class or None, why)."""
    if scope:
        if scope not in SCOPES:
            from .errors import IncidentError

            raise IncidentError("scope", f"{scope!r} is not known; one of {', '.join(SCOPES)}")
        klass = SCOPES[scope]
        return klass, f"scope {scope} is {CLASSES[klass]} in the plan's examples (P2)"
    if "network_unreachable" in symptoms and "db_slow" in symptoms:
        return "1", "network unreachable and the database slow together: suspect the backbone"
    return None, "give --scope (hospital, database_server, switch, terminal, ...) for a suggestion"
