"""Forms of the catalog pages: needs, achievements, expert profiles and their filters.

The forms only collect and lightly parse input (numbers, dates, lists of codes). Every
rule (lengths, known codes, budget order, deadline in the future …) lives in
``catalog.services``, whose ``ValidationFailed`` the views put back on these fields.
That is why the code fields (``base``) accept any value: an unknown code posted by hand is
the service's to reject, with the same message the API gives.

One module per page family (``listings``, ``experts``, ``filters``), built from ``base``;
import the forms from here.
"""

from kechuang.catalog.forms.base import (
    ChoicesForm,
    CodeField,
    CodesField,
    LaidOutForm,
    cooperation_mode_choices,
    discipline_choices,
    region_filter_choices,
)
from kechuang.catalog.forms.base import _text as _text
from kechuang.catalog.forms.base import _with_blank as _with_blank
from kechuang.catalog.forms.experts import (
    KEEPER_SELF,
    ExpertForm,
    ExpertStatusForm,
    ExpertWorkForm,
)
from kechuang.catalog.forms.filters import ExpertFilterForm, ListingFilterForm
from kechuang.catalog.forms.listings import (
    AchievementForm,
    AttachmentForm,
    ListingForm,
    NeedForm,
    ReturnForm,
)
from kechuang.web.forms import industry_choices, region_choices

__all__ = [
    "KEEPER_SELF",
    "AchievementForm",
    "AttachmentForm",
    "ChoicesForm",
    "CodeField",
    "CodesField",
    "ExpertFilterForm",
    "ExpertForm",
    "ExpertStatusForm",
    "ExpertWorkForm",
    "LaidOutForm",
    "ListingFilterForm",
    "ListingForm",
    "NeedForm",
    "ReturnForm",
    "cooperation_mode_choices",
    "discipline_choices",
    "industry_choices",
    "region_choices",
    "region_filter_choices",
]
