"""The feature kinds a specification may use, by the name it gives them.

Adding a kind: a module here with a `FeatureKind` subclass, and its line below.
"""

from leadqual.domain.features.kinds.base import FeatureKind
from leadqual.domain.features.kinds.boolean import Boolean
from leadqual.domain.features.kinds.categorical import Categorical
from leadqual.domain.features.kinds.date import Date
from leadqual.domain.features.kinds.email import Email
from leadqual.domain.features.kinds.multi_label import MultiLabel
from leadqual.domain.features.kinds.numeric import Numeric
from leadqual.domain.features.kinds.title import Title

KINDS: dict[str, FeatureKind] = {
    kind.name: kind for kind in (Numeric(), Boolean(), Categorical(), MultiLabel(), Title(), Email(), Date())
}
