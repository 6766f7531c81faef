"""hisops on AWX / Automation Controller (issue 21): the configuration as code
(``awx/configure.yml``, awx.awx modules) generated from the repository's own data: job
templates and their surveys from the playbooks and the roles' argument specs, schedules
from the plan's schedules as AWX RRULEs. ``hisops awx export`` writes it; docs/awx.md.
"""
