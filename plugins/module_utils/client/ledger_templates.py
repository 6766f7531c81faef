# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Jinja2 templates of the ledger's HTML reports (``client-ledger.html``,
``client-audit.html``), rendered by :func:`ledger.render_html` and
:func:`ledger.render_audit_html` with autoescape on.

They are Python strings, not ``.j2`` files next to this one, because the renderer is the
``client_ledger`` module: Ansible ships a module's module_utils to the host it runs on
(the controller, ``delegate_to: localhost``) as Python files only, so a template file
would not be there to load.
"""

LEDGER_HTML = """\
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{ title }}</title>
<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;
padding:2px 6px;vertical-align:top}tr.failed,tr.unreachable{background:#fdd}
tr.rolled_back,tr.reverted{background:#ffd}</style></head><body>
<h1>{{ title }}</h1><p>Generated {{ at }}. Expected for workstations without their own: {{ fleet_expected }}</p>
<h2>Workstations</h2><table><tr><th>workstation</th><th>current</th><th>expected</th>
<th>last known-good</th><th>last result</th><th>history (newest first)</th></tr>
{% for w in workstations %}
<tr class='{{ w.last_result or "" }}'><td>{{ w.host }}</td><td>{{ w.current }}</td><td>{{ w.expected }}</td>\
<td>{{ w.known_good }}</td><td>{{ w.last_result }}</td><td><details><summary>{{ w.entries }} entries</summary><ul>
{% for h in w.history %}
<li>{{ h.at }} {{ h.run }} by {{ h.by }}: {{ h.action }} {{ h.from }}&rarr;{{ h.version }} <b>{{ h.result }}</b> {{ h.message or "" }}</li>
{% endfor %}
</ul></details></td></tr>
{% endfor %}
</table>
<h2>Runs</h2><table><tr><th>at</th><th>run</th><th>by</th><th>playbook</th><th>version</th>
<th>outcome</th></tr>
{% for r in runs %}
<tr><td>{{ r.at }}</td><td>{{ r.run_id }}</td><td>{{ r.operator }}</td><td>{{ r.playbook }}</td>\
<td>{{ r.version }}</td><td>{{ r.outcome }}</td></tr>
{% endfor %}
</table></body></html>
"""

AUDIT_HTML = """\
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>HIS client audit</title>
<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;
padding:2px 6px}tr.failed,tr.offline{background:#fdd}tr.behind,tr.rolled_back{background:#ffd}
</style></head><body><h1>HIS client audit</h1>
<p>{{ at }}: {% for state, count in counts | dictsort if count %}{{ state }} {{ count }}{{ ", " if not loop.last }}{% endfor %}</p>
<table><tr><th>workstation</th>
<th>state</th><th>expected</th><th>actual</th><th>last result</th><th>why</th></tr>
{% for a in workstations %}
<tr class='{{ a.state }}'><td>{{ a.host }}</td><td>{{ a.state }}</td><td>{{ a.expected }}</td>\
<td>{{ a.actual }}</td><td>{{ a.last_result }}</td><td>{{ a.reason }}</td></tr>
{% endfor %}
</table>
</body></html>
"""
