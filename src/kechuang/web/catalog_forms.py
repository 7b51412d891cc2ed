"""Moved to ``kechuang.catalog.forms``; this name is kept only for ``web/views_search.py``.

Remove it when the search pages move to ``matching`` (issue 11) and import from
``kechuang.catalog.forms`` directly.
"""

from kechuang.catalog.forms import (
    ChoicesForm as ChoicesForm,
)
from kechuang.catalog.forms import (
    CodeField as CodeField,
)
from kechuang.catalog.forms import (
    _with_blank as _with_blank,
)
from kechuang.catalog.forms import (
    cooperation_mode_choices as cooperation_mode_choices,
)
from kechuang.catalog.forms import (
    discipline_choices as discipline_choices,
)
from kechuang.catalog.forms import (
    industry_choices as industry_choices,
)
from kechuang.catalog.forms import (
    region_filter_choices as region_filter_choices,
)
