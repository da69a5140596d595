"""The console's connection, store, key and audit pages on PostgreSQL (the production
database): the same tests as tests/unit/test_console_shop_pages.py, where locks, time
zones and case-insensitive comparisons behave as in production."""
import pytest

from tests.unit.test_console_shop_pages import (  # noqa: F401  (collected here, on PostgreSQL)
    console, test_a_key_is_shown_once_never_cached_never_audited_and_revoked,
    test_clone_previews_before_and_after_and_applies_only_what_was_previewed,
    test_staff_get_403_on_every_super_user_action_and_nothing_changes,
    test_the_audit_log_filters_pages_and_never_shows_a_secret,
    test_the_connection_page_shows_summary_runs_failed_orders_locations_and_mappings)


@pytest.fixture
def app(pg_app):
    return pg_app
