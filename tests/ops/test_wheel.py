"""Install it like a package: build the wheel, install it into a fresh virtual environment
outside the checkout, and run it as an operator would (no Node, no node_modules, no source).

init-db, deploy (the processes shipped in the wheel), a user and an API token, `alliance
serve` (gunicorn, two workers, production settings), a case started through the API, the
worker moving it on, the vendor assets, health, metrics summed over both gunicorn workers,
JSON logs and the request id carried into the case's history.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.ops.support import BackgroundProcess, http, metric_value

pytestmark = pytest.mark.wheel

SECRET = "wheel-test-secret-key-0123456789"
METRICS_TOKEN = "wheel-test-metrics-token-0123"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh venv with the wheel built from this checkout installed; yields its bin folder."""
    if shutil.which("npm") is None and not (REPO / "web/static/vendor").is_dir():
        pytest.skip("neither built front-end assets nor npm to build them")
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    subprocess.run(["make", "-s", "dist", f"DIST={dist}"], cwd=REPO, check=True,
                   capture_output=True, text=True, timeout=300)
    wheels = list(dist.glob("alliance_workflow-*.whl"))
    assert len(wheels) == 1, wheels
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    done = subprocess.run([str(venv / "bin/python"), "-m", "pip", "install", "--quiet", str(wheels[0])],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    yield venv / "bin"


def _env(work: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return {**keep, "DATABASE_URL": f"sqlite:///{work / 'alliance.db'}", "ALLIANCE_ENV": "production",
            "SECRET_KEY": SECRET, "METRICS_TOKEN": METRICS_TOKEN, "LOG_FORMAT": "json"}


def _alliance(bin_dir: Path, work: Path, *args: str) -> str:
    done = subprocess.run([str(bin_dir / "alliance"), *args], cwd=work, env=_env(work),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def test_the_wheel_installs_and_runs_without_the_checkout(installed: Path, tmp_path: Path) -> None:
    work = tmp_path / "site"
    work.mkdir()
    # Nothing is imported from the checkout: the package lives in the venv.
    where = subprocess.run([str(installed / "python"), "-c", "import engine, web; print(engine.__file__)"],
                           cwd=work, capture_output=True, text=True, check=True).stdout
    assert str(installed.parent) in where and str(REPO) not in where
    assert "schema up to date" in _alliance(installed, work, "init-db")
    seeded = json.loads(_alliance(installed, work, "seed", "--processes", "--json"))
    assert "annual_work_plan v1" in seeded["processes"] and seeded["registry_rows_added"] > 0
    _alliance(installed, work, "users", "add", "sec", "--group", "secretariat", "--password", "pw-sec-12345")
    _alliance(installed, work, "users", "add", "ops", "--group", "operators", "--password", "pw-ops-12345")
    token = json.loads(_alliance(installed, work, "tokens", "create", "sec", "--json"))["token"]

    server = BackgroundProcess([str(installed / "alliance"), "serve", "--bind", "127.0.0.1:0",
                                "--workers", "2", "--metrics-dir", str(work / "metrics")],
                               cwd=work, env=_env(work))
    try:
        base = server.wait_for_url()
        assert http("GET", f"{base}/healthz")[0] == 200
        assert http("GET", f"{base}/readyz")[:2] == (200, {"status": "ready"})
        viewer = "vendor/bpmn-js/dist/bpmn-navigated-viewer.production.min.js"
        status, _, headers = http("GET", f"{base}/{viewer}")
        assert status == 200 and "javascript" in headers["Content-Type"]

        auth = {"Authorization": f"Bearer {token}"}
        status, case, headers = http(
            "POST", f"{base}/api/v1/process-definitions/annual_work_plan/start",
            {"business_key": "AWP-2027", "variables": {"year": 2027, "deadline": "2027-03-01T00:00:00Z"}},
            headers={**auth, "X-Request-ID": "wheel-start-1"})
        assert status == 201, case
        assert headers["X-Request-ID"] == "wheel-start-1"
        assert case["status"] == "running" and case["open_tasks"] == []  # the service task is the worker's

        worked = json.loads(_alliance(installed, work, "worker", "--once", "--json"))
        assert worked["done"] >= 1 and worked["failed"] == 0
        status, after, _ = http("GET", f"{base}/api/v1/process-instances/{case['id']}", headers=auth)
        assert status == 200 and {t["element_id"] for t in after["open_tasks"]} == {"submit_activity"}
        assert len(after["open_tasks"]) == seeded_committees(installed, work)

        shown = json.loads(_alliance(installed, work, "show", str(case["id"]), "--user", "sec", "--json"))
        started = [h for h in shown["history"] if h["kind"] == "case_started"]
        assert started[0]["request_id"] == "wheel-start-1"
        serviced = [h for h in shown["history"] if h["kind"] == "service_completed"]
        assert serviced and serviced[0]["request_id"].startswith("job-")  # the worker's job id

        # Metrics: refused without a token; summed over both gunicorn workers with one.
        assert http("GET", f"{base}/metrics")[0] == 401
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(lambda _: http("GET", f"{base}/healthz")[0], range(40)))
        assert codes == [200] * 40
        status, text, _ = http("GET", f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert status == 200
        assert metric_value(text, "alliance_http_request_duration_seconds_count",
                            endpoint="ops.healthz", status="200") == 41
        assert metric_value(text, "alliance_cases_started_total", process="annual_work_plan") == 1
        assert metric_value(text, "alliance_job_queue_depth", kind="service") is None  # none waiting

        ops_token = json.loads(_alliance(installed, work, "tokens", "create", "ops", "--json"))["token"]
        assert http("GET", f"{base}/metrics", headers={"Authorization": f"Bearer {ops_token}"})[0] == 200
        assert http("GET", f"{base}/metrics", headers=auth)[0] == 403  # secretariat is not operators
    finally:
        server.stop()
    lines = [json.loads(line) for line in server.stderr_lines() if line.startswith("{")]
    assert any(line.get("request_id") == "wheel-start-1" and line.get("status") == 201 for line in lines)
    assert any("Listening at" in line["message"] for line in lines)


def seeded_committees(bin_dir: Path, work: Path) -> int:
    """How many committees the registry holds that are not dissolved (one submission task each:
    preparatory committees are invited too)."""
    out = subprocess.run([str(bin_dir / "python"), "-c",
                          "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("
                          "\"select count(*) from registry_committees where status <> 'dissolved'\""
                          ").fetchone()[0])", str(work / "alliance.db")],
                         capture_output=True, text=True, check=True)
    return int(out.stdout)


def test_serve_refuses_an_unsafe_production_setting(installed: Path, tmp_path: Path) -> None:
    env = {**_env(tmp_path), "SECRET_KEY": "short"}
    done = subprocess.run([str(installed / "alliance"), "serve", "--bind", "127.0.0.1:0"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "SECRET_KEY" in done.stderr and "Traceback" not in done.stderr
