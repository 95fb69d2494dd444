"""Settings of the test suite (pytest's DJANGO_SETTINGS_MODULE, pyproject.toml): the normal settings with
PMIP_TESTING on — fast password hashing, the captcha test answer, no admission limit, plain static files (see the
`if TESTING:` block of config/settings.py). Nothing looks at `sys.modules` to guess whether tests are running.
"""

import os

# Before the base settings read it; inherited by any subprocess a test starts.
os.environ["PMIP_TESTING"] = "1"

from config.settings import *  # noqa: E402,F403
