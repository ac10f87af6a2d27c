"""The alliance's fixtures, for the tests of its touchpoints that need live rooms: live and the
alliance are one layer and cannot import each other, so those tests sit in web, above both."""

from xiaodian.alliance.tests.conftest import (  # noqa: F401  (the alliance fixtures)
    creator,
    enabled,
    make_plan,
    make_promoter,
    open_plan,
    product,
)
from xiaodian.alliance.tests.test_touchpoints import sku  # noqa: F401
