from tests.events.conftest import receiver, worker, worker_context  # noqa: F401 -- fixtures shared with tests/events
