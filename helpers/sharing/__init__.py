"""The sharing end of the customer knowledge system (共享/运用): a small web application over the knowledge base.

The second course paper's knowledge system ends in a cloud sharing platform (云数据分享平台) where sales staff read
a customer's profile in a browser (B/S) and knowledge is shared across departments. This package serves the
knowledge base notebook 07 builds to signed-in staff:

* :mod:`.app` — :func:`create_app`: the Flask application and its security (signed HttpOnly SameSite cookies,
  CSRF tokens, rate-limited sign-in, security headers); ``docs/architecture.md`` says why these libraries.
* :mod:`.pages` — :data:`ROUTES`: sign-in, customer search, profile (the knowledge report's own sections, staff
  notes, a form to add one), segments, the coded knowledge entries and table downloads (analysts), users and the
  audit trail (admins); every profile view and every write goes to the audit trail.
* :mod:`.accounts` — :class:`Accounts`, :data:`ROLES`: the users file with argon2 password hashes.
* :mod:`.state`, :mod:`.render` — what the pages share (knowledge base, figure cache, role checks) and the sections
  as HTML.
* :mod:`.cli`, :mod:`.server`, :mod:`.ratelimit` — ``crm-knowledge add-user NAME --role ROLE`` and ``crm-knowledge
  serve`` (gunicorn, one worker process per core, 127.0.0.1:8866; the sign-in counters in a file all workers share).

Notes and codes staff add are stored by :class:`helpers.knowledge.SharingStore` and appear in the next knowledge
report. No page shows a raw name, phone number, e-mail or postal address: the knowledge base holds pseudonyms
only, and a note holding a phone number or e-mail address is refused.
"""

from .accounts import MIN_PASSWORD, ROLES, AccountError, Accounts, User
from .app import create_app
from .cli import DEFAULT_HOST, DEFAULT_PORT, main
from .pages import DOWNLOADS, ROUTES
from .state import CONTENT_SECURITY_POLICY, SIGN_IN_LIMITS

__all__ = ["create_app", "Accounts", "User", "ROLES", "MIN_PASSWORD", "AccountError", "ROUTES", "DOWNLOADS",
           "SIGN_IN_LIMITS", "CONTENT_SECURITY_POLICY", "DEFAULT_HOST", "DEFAULT_PORT", "main"]
