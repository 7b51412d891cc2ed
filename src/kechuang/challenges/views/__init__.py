"""The challenge pages, one module per role: ``calls`` (the public pages of a call),
``organiser``, ``apply`` (applicants), ``collection`` (problem collection rounds),
``projects`` (挂帅 → 验收), ``association`` (association staff) and ``promotion`` (a
need put into a collection round, from the need's page)."""
