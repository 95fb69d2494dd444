"""Limits hold in total across server processes (issue 8, item 4).

Two granian servers (separate processes, as `make run` serves with 2 workers) share one SQLite database, so they
share the embedded database cache. With the old per-process LocMemCache every limit doubled (10 office password
tries for 5, 20 SMS codes per phone for 10). Requests go to both servers alternately and at the same time.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
GRANIAN = Path(sys.executable).with_name("granian")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(url: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("server did not come up")


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory):
    var = tmp_path_factory.mktemp("two-servers")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "PYTEST"))},
        "PMIP_VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'pmip.sqlite3'}",
        "PMIP_TESTING": "1",  # fast password hashes, captcha answer PASSED
        "PMIP_CAPTCHA_TEST_MODE": "1",
        "PMIP_SMS_BACKEND": "embedded",
        "PMIP_SMS_INTERVAL_SECONDS": "0",
        "PMIP_SMS_IP_HOURLY_LIMIT": "1000",
        "PMIP_SMS_DAILY_LIMIT": "10",
        "PMIP_LOGIN_FAIL_LIMIT": "5",
        "PMIP_LOGIN_IP_FAIL_LIMIT": "1000",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=600)
    subprocess.run(
        [
            *manage,
            "shell",
            "-c",
            "from pmip.identity.models import *; from pmip.registry.models import District;"
            "a=Account.objects.create_user(username='limit_staff', password='Pmip-test-2026', kind='staff',"
            " mobile='+8613800009000');"
            "StaffRole.objects.create(account=a, level='city')",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    procs, urls = [], []
    try:
        for _ in range(2):
            port = _free_port()
            proc = subprocess.Popen(
                [str(GRANIAN), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)]
                + ["--workers", "1", "--blocking-threads", "4", "config.wsgi:application"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            procs.append(proc)
            urls.append(f"http://127.0.0.1:{port}")
        for url, proc in zip(urls, procs, strict=True):
            _wait_up(url, proc)
        assert len({p.pid for p in procs}) == 2
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _csrf(client: httpx.Client, url: str) -> str:
    page = client.get(url)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, page.text[:500]
    return match.group(1)


def test_office_password_lockout_holds_across_two_processes(two_servers):
    a, b = two_servers
    with httpx.Client(timeout=30) as client:
        token = _csrf(client, a + "/office/login/")
        answers = []
        for i in range(10):
            url = (a, b)[i % 2] + "/office/login/"
            response = client.post(
                url,
                data={"username": "limit_staff", "password": "wrong-password", "csrfmiddlewaretoken": token},
                headers={"Referer": url},
            )
            answers.append("locked" if "登录失败次数过多" in response.text else "wrong")
    assert answers == ["wrong"] * 5 + ["locked"] * 5


def test_sms_daily_limit_per_phone_holds_across_two_processes_at_once(two_servers):
    a, b = two_servers
    with httpx.Client(timeout=60) as client:
        token = _csrf(client, a + "/me/login/")

        def send(i: int) -> str:
            url = (a, b)[i % 2] + "/me/login/"
            response = client.post(
                url,
                data={
                    "action": "send_code",
                    "mobile": "13900009001",
                    "captcha_0": f"k{i}",
                    "captcha_1": "PASSED",
                    "csrfmiddlewaretoken": token,
                },
                headers={"Referer": url},
            )
            assert response.status_code < 500, response.text[:500]
            if "验证码已发送至" in response.text:
                return "sent"
            assert "今日获取验证码的次数已达上限" in response.text, response.text[:2000]
            return "refused"

        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(send, range(24)))
    assert answers.count("sent") == 10
    assert answers.count("refused") == 14
