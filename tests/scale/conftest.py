"""Fixtures of the scale tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def reference_data(transactional_db):
    """The provider vocabularies and correlation rules the migrations install, installed again:
    a transactional test's flush empties every table, and serialized_rollback cannot restore
    them after another transactional test has recreated the content types under new ids."""
    from ingest.defaults import DEFAULT_VOCABULARY
    from ingest.models import VocabularyTerm
    from outages.defaults import DEFAULT_RULES
    from outages.models import CorrelationRule

    VocabularyTerm.objects.bulk_create(
        [
            VocabularyTerm(provider=p, field=f, code=c, evidence=e)
            for p, f, c, e in DEFAULT_VOCABULARY
        ],
        ignore_conflicts=True,
    )
    for name, kind, value, description in DEFAULT_RULES:
        CorrelationRule.objects.get_or_create(
            rule_name=name, defaults={"rule_type": kind, "value": value, "description": description}
        )
