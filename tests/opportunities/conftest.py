from __future__ import annotations

import pytest

from tests.factories import Api
from tests.opportunities.test_list import Board
from tests.pipelines.test_router import make_pipeline


@pytest.fixture
async def board(api: Api) -> Board:
    """A pipeline of the location with three stages."""
    return Board(api, await make_pipeline(api, "Sales", ("New", "Offer", "Closed")))
