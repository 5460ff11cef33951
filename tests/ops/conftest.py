from tests.events.conftest import receiver, settings, worker, worker_context  # noqa: F401 -- fixtures shared with tests/events
