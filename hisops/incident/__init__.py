"""Incidents (plan P1, P2, P3, P9.1): fault records, classes and escalation, the downtime
clocks and their department notices, the report. Runs on the controller, outside any
playbook, with its own SQLite store (it must work when the HIS database is the thing down).

Layout: ``model`` (classes, symptoms, the class suggestion), ``config`` (the site: who is
who, departments, clocks, calendar, channels), ``store`` (SQLite: migrations, WAL, backup),
``service`` (every change, validated before anything is written), ``cli``
(``hisops incident ...``).
"""
