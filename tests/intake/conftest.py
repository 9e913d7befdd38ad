from tests.helpers import *  # noqa: F403
