"""Provider vocabularies: which codes evidence an outage, a restoration, or nothing about supply.

Read from ingest_vocabulary on every ingest so a data steward's edit in admin takes effect on the
next event; codes are matched case-insensitively."""

from __future__ import annotations

from ingest.models import Evidence, VocabularyTerm
from ingest.parsers import ProviderEvent


def load_vocabulary(provider: str) -> dict[tuple[str, str], str]:
    terms = VocabularyTerm.objects.filter(provider=provider)
    terms = terms.values_list("field", "code", "evidence")
    return {(field.lower(), code.lower()): evidence for field, code, evidence in terms}


def classify(events: list[ProviderEvent], vocabulary: dict[tuple[str, str], str]) -> None:
    """Set each event's evidence: its fixed evidence (tickets), else the first known code."""
    for event in events:
        if event.fixed_evidence:
            event.evidence = event.fixed_evidence
            continue
        event.evidence = next(
            (
                vocabulary[(field.lower(), code.lower())]
                for field, code in event.codes
                if code and (field.lower(), code.lower()) in vocabulary
            ),
            Evidence.NONE,
        )
