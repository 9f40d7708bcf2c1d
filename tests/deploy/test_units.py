"""deploy/'s files agree with the code: every command a unit or timer starts exists, every
timer has its row in the README, and the units pass systemd's own check where it is
installed. (tests/deploy/test_proxy.py and test_workers.py run what the units start.)"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy/systemd"
DAILY_COMMANDS = {
    "send_overdue_notices",
    "check_course_minimums",
    "send_monthly_reports",
    "apply_retention",
    "prune_db_task_results",
}


def _timers() -> dict[str, str]:
    """Each timer's command (the instance of lernpool-job@ it starts)."""
    commands = {}
    for timer in UNITS.glob("*.timer"):
        unit = re.search(r"^Unit=lernpool-job@(\w+)\.service$", timer.read_text(), re.M)
        commands[timer.name] = unit.group(1)
    return commands


def test_a_timer_starts_each_daily_command_and_each_command_exists():
    timers = _timers()
    assert set(timers.values()) == DAILY_COMMANDS
    assert all(name == f"lernpool-{command}.timer" for name, command in timers.items())
    assert set(get_commands()) >= DAILY_COMMANDS


def test_the_commands_the_services_start_exist():
    started = set()
    for unit in UNITS.glob("*.service"):
        started |= set(re.findall(r"manage\.py (\w+)", unit.read_text()))
    assert started == {"db_worker", "requeue_abandoned_tasks"}
    assert started <= set(get_commands())
    assert "-c deploy/gunicorn.conf.py config.wsgi" in (UNITS / "lernpool.service").read_text()


def test_the_readme_lists_every_timer():
    readme = (ROOT / "README.md").read_text()
    for name, command in _timers().items():
        assert f"| `{name}` |" in readme
        assert f"| `{command}` |" in readme


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze")
def test_systemd_accepts_the_units(tmp_path):
    # Its check wants the programs to exist: the paths of /srv/lernpool become this machine's.
    for unit in UNITS.iterdir():
        text = unit.read_text().replace("/srv/lernpool/.venv/bin/gunicorn", "/bin/true")
        text = text.replace("/srv/lernpool/.venv/bin/python", "/bin/true")
        (tmp_path / unit.name).write_text(text)
    job = tmp_path / "lernpool-job@apply_retention.service"
    job.write_text((tmp_path / "lernpool-job@.service").read_text())
    worker = tmp_path / "lernpool-worker@1.service"
    worker.write_text((tmp_path / "lernpool-worker@.service").read_text())
    names = ["lernpool.service", worker.name, job.name, "lernpool-apply_retention.timer"]
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
