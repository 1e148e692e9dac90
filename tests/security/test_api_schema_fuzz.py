"""The read API fuzzed from its own OpenAPI schema (drf-spectacular's /api/schema/) with schemathesis:
every generated request, valid or not, gets no 5xx, and every answer matches what the schema promises
(status codes, content types, bodies, headers). Bounded: a few examples per operation, the whole run
well under a minute. The import API and status updates need a token and change data: their
authorisation is tests/security/test_authorisation.py."""

import pytest
import schemathesis
from django.core.signals import request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from mapapp.wsgi import application

MAX_EXAMPLES = 20


# Loaded at collection (generating the schema reads no data); pytest 9 breaks schemathesis' from_fixture.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application).include(
    method="GET", path_regex=r"^/api/(?!imports/)"
)


@pytest.fixture
def in_test_transaction(db):
    """Requests reach the WSGI application in this thread; as Django's test client does, they must not
    close the connection that holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples every run: a failure here is reproducible, never flaky
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_the_read_api_answers_as_its_schema_says(case, in_test_transaction):
    # Identity: the test transport hands over the bytes as sent, and gzip is CompressResponses' business.
    # Every other check runs. Not "schema-valid requests are accepted": a layer slug the database does not
    # hold, or lat without lon, cannot be said in OpenAPI 3.0 and is a documented 400 in the one error shape.
    case.call_and_validate(headers={"Accept-Encoding": "identity"}, excluded_checks=[positive_data_acceptance])
