# SPDX-License-Identifier: GPL-2.0-or-later
"""A stdout callback for the role's tests: the whole run as one JSON document.

ansible-core ships no JSON stdout callback. Used by tests/bats/ansible.bats
and tests/vm/ansible.bats (ANSIBLE_CALLBACK_PLUGINS=this directory,
ANSIBLE_STDOUT_CALLBACK=qc_json):

{"plays": [{"tasks": [{"task": {"name"}, "hosts": {HOST: RESULT}}]}],
 "stats": {HOST: {"ok", "changed", "failures", ...}}}

RESULT is the task's result for the host, with "failed", "skipped" or
"unreachable" set to true when the task ended so.
"""
from ansible.plugins.callback import CallbackBase
import json


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'stdout'
    CALLBACK_NAME = 'qc_json'

    def __init__(self):
        super().__init__()
        self.tasks = []

    def _record(self, result, **extra):
        r = dict(result._result)
        r.update(extra)
        self.tasks.append({'task': {'name': result._task.name},
                           'hosts': {result._host.get_name(): r}})

    def v2_runner_on_ok(self, result, **kwargs):
        self._record(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, failed=True)

    def v2_runner_on_skipped(self, result):
        self._record(result, skipped=True)

    def v2_runner_on_unreachable(self, result):
        self._record(result, unreachable=True)

    def v2_playbook_on_stats(self, stats):
        out = {h: stats.summarize(h) for h in sorted(stats.processed)}
        # default=str: some results hold datetime objects (the reboot module's)
        self._display.display(json.dumps({'plays': [{'tasks': self.tasks}], 'stats': out}, default=str))
