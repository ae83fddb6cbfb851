"""The scripted `leadqual session`: five scenarios over HTTP against `leadqual serve`."""

from leadqual_tools.local.session import run_session


def test_the_five_qualification_scenarios_behave_as_the_policy_says(api_url: str) -> None:
    lines: list[str] = []
    assert run_session(api_url, say=lines.append) == 0, "\n".join(lines)
    transcript = "\n".join(lines)
    assert "5 of 5 scenarios behaved as the policy says" in transcript
    assert "routed: ae_notify to maria.lopez by sam.sdr (rule named-account-review)" in transcript
    assert "Ambiguous intent: strong fit" in transcript
    assert "Reactivated: last outcome was closed lost" in transcript
    assert "routed: nurture to marketing-nurture by rules (rule freemail-newsletter-nurture)" in transcript
