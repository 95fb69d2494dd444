"""Log a staff account into the back office from tests.

- `staff_login(client, account)`: the real two steps over HTTP (password, then the SMS code read from the embedded
  SMS stand-in). Needs the database and an empty cache (rate limits); returns the last response.
- A session without the SMS step, for tests of other pages: `tests.factories.login_staff(client, account)`.
"""

from __future__ import annotations

from pmip.integrations.sms import EmbeddedSmsBackend
from tests.factories import STAFF_PASSWORD

LOGIN_URL = "/office/login/"
VERIFY_URL = "/office/login/verify/"


def submit_password(client, account, *, password: str = STAFF_PASSWORD, **extra):
    return client.post(LOGIN_URL, {"username": account.username, "password": password}, **extra)


def last_code(account) -> str:
    message = EmbeddedSmsBackend.last_to(account.mobile)
    assert message is not None, "no SMS was sent to this account"
    return message.params["code"]


def staff_login(client, account, *, password: str = STAFF_PASSWORD):
    first = submit_password(client, account, password=password)
    assert first.status_code == 302 and first["Location"] == VERIFY_URL, first
    response = client.post(VERIFY_URL, {"code": last_code(account)})
    assert response.status_code == 302, response
    return response
