from datetime import UTC, datetime

from leadqual.domain.models import OutcomeKind, OutcomeRecord
from leadqual.services.feedback import final_outcome


def _on(kind: OutcomeKind, day: int) -> OutcomeRecord:
    moment = datetime(2026, 11, day, tzinfo=UTC)
    return OutcomeRecord(outcome=kind, occurred_at=moment, recorded_at=moment)


def test_the_outcome_a_model_learns_from() -> None:
    # A meeting is a step, not an outcome: the lead stays open, left out of training until it closes
    assert final_outcome([_on(OutcomeKind.MEETING_HELD, 1)]) == "open"
    # The latest decision counts (reported out of order), and a won deal is the answer whatever follows
    assert (
        final_outcome([_on(OutcomeKind.DISQUALIFIED, 2), _on(OutcomeKind.CLOSED_LOST, 1)]) == "disqualified"
    )
    assert final_outcome([_on(OutcomeKind.CLOSED_WON, 1), _on(OutcomeKind.CLOSED_LOST, 3)]) == "closed_won"
