"""Pages of organisations: the association admin area (``manage``) and the account pages
that are about a person's organisations (``account``: sign-up with a new organisation, the
profile with its memberships)."""
