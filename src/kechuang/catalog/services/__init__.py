"""Every write on needs, achievements, expert profiles and attachments.

Needs and achievements share one lifecycle (``choices.TRANSITIONS``) and one path
through it: ``listing_transition``. Creation and update validate the whole input at once,
so a form or an API body gets every field error together, and nothing is saved unless
all of it is valid.

One module per use case (``listings``, ``transitions``, ``attachments``, ``experts``; the
input checks they share in ``validation``); import the services from here.
"""

from kechuang.catalog.services.attachments import MAX_ATTACHMENTS, attachment_add, attachment_remove
from kechuang.catalog.services.experts import (
    EXPERT_FIELDS,
    expert_create,
    expert_set_status,
    expert_update,
    expert_work_add,
    expert_work_remove,
)
from kechuang.catalog.services.listings import (
    ACHIEVEMENT_FIELDS,
    LISTING_M2M,
    NEED_FIELDS,
    achievement_create,
    achievement_update,
    need_create,
    need_update,
)
from kechuang.catalog.services.transitions import (
    PUBLICATION_DAYS,
    listing_transition,
    listings_expire_due,
)
from kechuang.catalog.services.validation import M2M_MODELS, MAX_KEYWORDS

__all__ = [
    "ACHIEVEMENT_FIELDS",
    "EXPERT_FIELDS",
    "LISTING_M2M",
    "M2M_MODELS",
    "MAX_ATTACHMENTS",
    "MAX_KEYWORDS",
    "NEED_FIELDS",
    "PUBLICATION_DAYS",
    "achievement_create",
    "achievement_update",
    "attachment_add",
    "attachment_remove",
    "expert_create",
    "expert_set_status",
    "expert_update",
    "expert_work_add",
    "expert_work_remove",
    "listing_transition",
    "listings_expire_due",
    "need_create",
    "need_update",
]
