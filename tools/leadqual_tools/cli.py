"""The `leadqual` command: serve | openapi | demo | session | train | promote | evaluate | score | feedback | retrain | report | rules."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from leadqual.resources import DEFAULT_REVIEW_TIMEOUT_SECONDS
from leadqual_tools.paths import DEFAULT_ARTIFACTS, DEFAULT_DATA, DEFAULT_SPEC, SAMPLE_LABELLED

# Pipeline work (queued messages, running invocations) beyond which `leadqual serve` holds new leads.
DEFAULT_BACKLOG = 12


def _serve(args: argparse.Namespace) -> int:
    import threading

    from leadqual_tools.local.cloud import LocalCloud
    from leadqual_tools.local.server import serve, share_malloc_arenas, spare_startup_objects_from_gc

    share_malloc_arenas()
    cloud = LocalCloud(
        review_timeout_seconds=args.review_timeout, log_level=args.log_level,
        console_url=f"http://{args.host}:{args.port}/console/", connections_file=args.connections,
    ).start()  # fmt: skip
    cloud.run_pollers()
    spare_startup_objects_from_gc()
    server = serve(
        args.host, args.port, admit_lead=(lambda: cloud.wait_for_room(args.backlog)) if args.backlog else None
    )
    # Where to go and what is kept come first; the functions log warnings only unless asked for.
    print(
        f"leadqual local API on http://{args.host}:{args.port} (review timeout {args.review_timeout}s)\n"
        f"the console: http://{args.host}:{args.port}/console/ (no sign-in locally: give a reviewer name)\n"
        "everything is kept in memory and gone when it stops; Ctrl-C stops\n"
        f"function logs: {args.log_level} and above (--log-level INFO for every line)\n"
        + (
            f"CRM: {cloud_crm(args.connections)}"
            if args.connections
            else "CRM: none connected (--connections FILE): nothing is written to any CRM"
        ),
        flush=True,
    )
    if args.sample:
        threading.Thread(target=_load_sample, daemon=True, name="sample-leads").start()
    signal.signal(signal.SIGTERM, _stop_on_signal)
    _announce_review_emails(cloud)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if args.report_on_exit:
            args.report_on_exit.write_text(json.dumps(cloud.inventory(), indent=2), encoding="utf-8")
        cloud.stop()
    return 0


def cloud_crm(connections_file: Path) -> str:
    from leadqual.connections import load_connections

    connections = load_connections(connections_file)
    hubspot, salesforce = connections.hubspot, connections.salesforce
    if hubspot:
        return f"HubSpot at {hubspot.base_url} (token from ${hubspot.token_env})"
    if salesforce:
        return f"Salesforce at {salesforce.login_url} (client from ${salesforce.client_id_env})"
    return "the connections file names no CRM: nothing is written to any CRM"


def _load_sample() -> None:
    """The sample leads, through the flow while the API already answers (the inbox fills as they go)."""
    from leadqual_tools.local.sample import load_sample

    print(
        "loading sample leads through the flow (about a minute; the inbox fills as they go) ...", flush=True
    )
    sample = load_sample()
    print(
        f"sample: {sample.leads} leads, {sample.decided_reviews} reviews decided, "
        f"{sample.pending_reviews} waiting in the inbox, {sample.outcomes} outcomes reported",
        flush=True,
    )


def _announce_review_emails(cloud: Any) -> None:
    """Locally the SDR topic has no subscriber: each review e-mail's subject and link are printed
    instead, so a link can be followed as an SDR would. Never the body: it names the person."""
    import re
    import threading

    def watch() -> None:
        shown = 0
        while not cloud.stopping.wait(1.0):
            emails = cloud.sdr_emails()
            for subject, message in emails[shown:]:
                link = re.search(r"Decide it in the console: (\S+)", message)
                print(f"SDR e-mail: {subject}" + (f" -> {link.group(1)}" if link else ""), flush=True)
            shown = len(emails)

    threading.Thread(target=watch, name="leadqual-review-emails", daemon=True).start()


def _openapi(args: argparse.Namespace) -> int:
    from leadqual.api.app import openapi_document

    text = json.dumps(openapi_document(), indent=2, sort_keys=True) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _stop_on_signal(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _demo(args: argparse.Namespace) -> int:
    from leadqual_tools.local.demo import run_demo

    summary = run_demo(leads=args.leads, seed=args.seed, review_timeout_seconds=args.review_timeout)
    print(
        "\nThe demo's cloud is gone with it. To see the console (review inbox, a lead's story, reports,\n"
        "policy) on sample leads: `make serve`, then open http://127.0.0.1:8000/console/"
    )
    missing = summary["leads"] - sum(summary["by_status"].values())
    return 1 if missing or summary["by_status"].get("failed") else 0


def _session(args: argparse.Namespace) -> int:
    from leadqual_tools.local.session import run_session

    return run_session(args.api)


def _training_command(
    verb: str, work: Callable[[], object], refusals: tuple[type[Exception], ...] = ()
) -> int:
    """Runs a command of the [train] extras: missing extras, or data it refuses, exit 2 saying why."""
    try:
        from leadqual_training.train import TrainingDataError

        refused: tuple[type[Exception], ...] = (TrainingDataError, *refusals)
        work()
    except ImportError as error:
        print(f"this command needs the [train] extras ({error}); run `make venv`", file=sys.stderr)
        return 2
    except refused as error:
        print(f"cannot {verb}: {error}", file=sys.stderr)
        return 2
    return 0


def _train(args: argparse.Namespace) -> int:
    def work() -> None:
        from leadqual_training.synthetic import write_training_csv
        from leadqual_training.train import load_spec, train

        data = args.data
        if data is None:
            data = DEFAULT_DATA
            print(f"generating {args.rows} synthetic leads (seed {args.seed}) into {data}")
            write_training_csv(data, load_spec(args.spec), rows=args.rows, seed=args.seed)
        result = train(
            data,
            args.spec,
            args.out,
            version=args.version,
            promote=args.promote,
            kinds=tuple(args.candidates),
            budget=args.budget,
        )
        if args.promote and not result.promoted:
            refused.append(result.version)

    refused: list[str] = []
    code = _training_command("train", work)
    return 2 if refused else code


def _promote(args: argparse.Namespace) -> int:
    def work() -> None:
        from leadqual_training.train import promote_model

        promote_model(args.out, args.version)

    return _training_command("promote", work)


def _input_refused(args: argparse.Namespace) -> str | None:
    """Why `evaluate` or `score` cannot start, said at once, before the training libraries load."""
    from leadqual.settings import graph_path

    if args.model is None:
        args.model = DEFAULT_ARTIFACTS / (DEFAULT_ARTIFACTS / "CURRENT").read_text(encoding="utf-8").strip()
    if not args.data.is_file():
        return f"no file at {args.data}"
    if graph_path(args.model).is_file():
        return None
    if not args.model.is_dir():
        return f"no model folder at {args.model}"
    versions = sorted(p.name for p in args.model.iterdir() if graph_path(p).is_file())
    if versions:
        current = args.model / "CURRENT"
        serving = f" ({current.read_text(encoding='utf-8').strip()} serves)" if current.is_file() else ""
        return (
            f"{args.model} holds model versions, not one model: name one, e.g. --model "
            f"{args.model / versions[-1]}{serving}; versions: {', '.join(versions)}"
        )
    return f"{args.model} holds no model (no {graph_path(args.model).name})"


def _backtest(args: argparse.Namespace) -> int:
    refused = _input_refused(args)
    if refused is not None:
        print(f"cannot {args.command}: {refused}", file=sys.stderr)
        return 2

    def work() -> None:
        from leadqual_training.backtest import evaluate_export, score_export

        if args.command == "evaluate":
            evaluate_export(args.model, args.data, args.report)
        else:
            score_export(args.model, args.data, args.out)

    return _training_command(args.command, work, (ValueError, FileNotFoundError))


def _roster_simulate(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from leadqual.domain.policy import PolicyError, load_policy
    from leadqual_tools.roster_simulation import print_shares, read_away, read_leads, simulate

    try:
        policy = load_policy(args.policy)
        leads = read_leads(args.leads, policy)
        away = read_away(args.away) if args.away else None
    except (PolicyError, OSError, ValueError, ValidationError) as error:
        print(f"leadqual roster simulate: {error}", file=sys.stderr)
        return 2
    result = simulate(leads, policy, away, args.days_open)
    print(
        f"{len(leads)} leads replayed, each worked {args.days_open:g} days; shares of the leads each pool gave a rep:"
    )
    print("\n".join(print_shares(result)))
    return 0


def _rules_check(args: argparse.Namespace) -> int:
    from leadqual.api.views import PolicyInWords
    from leadqual.domain.policy import PolicyError, load_policy

    try:
        policy = PolicyInWords.of(load_policy(args.file))
    except (PolicyError, OSError) as error:
        print(f"INVALID: {error}", file=sys.stderr)
        return 2
    print(f"{args.file}: valid, policy version {policy.version}")
    print("\nTiers (the first that matches wins):")
    for index, tier in enumerate(policy.tiers, start=1):
        print(f"  {index}. {tier.id}: {tier.description}")
    print("\nRules (the first that matches decides):")
    print(f"  Whatever rule fires, a lead flagged {', '.join(policy.always_reviewed)} goes to an SDR first.")
    for index, rule in enumerate(policy.rules, start=1):
        print(f"  {index}. {rule.id}: {rule.in_words}")
        print(f"     ({rule.description})")
    print(f"\nWho decides reviews: {policy.reviewers.in_words}")
    return 0


def _sigv4_headers(url: str, region: str) -> dict[str, str]:
    """The deployed API's rules route uses IAM: sign the request with the caller's AWS credentials."""
    import boto3
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    credentials = boto3.Session().get_credentials()
    if credentials is None:
        raise SystemExit("no AWS credentials found to sign the request (aws configure, or AWS_PROFILE)")
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(credentials, "execute-api", region).add_auth(request)
    return dict(request.headers.items())


class ApiCallFailed(Exception):
    """Already reported on stderr; the command exits 2."""


def _get_json(api: str, path: str, region: str | None, query: dict[str, str] | None = None) -> Any:
    """GET a route of `leadqual serve` or of the deployed API (SigV4-signed when a region is given)."""
    import json
    import urllib.error
    import urllib.parse
    import urllib.request

    url = f"{api.rstrip('/')}{path}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    headers = _sigv4_headers(url, region) if region else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        print(f"{url}: {error.code} {error.read().decode(errors='replace')}", file=sys.stderr)
    except urllib.error.URLError as error:
        print(f"cannot reach {url}: {error.reason} (is `leadqual serve` running?)", file=sys.stderr)
    raise ApiCallFailed(url)


def _rules_explain(args: argparse.Namespace) -> int:
    try:
        trace = _get_json(args.api, f"/leads/{args.lead_id}/rules", args.aws_region)
    except ApiCallFailed:
        return 2
    if not trace["explained"]:
        print(f"{args.lead_id}: {trace['message']}")
        return 0
    print(
        f"{args.lead_id}: tier {trace['tier']}, score band {trace['band']}, flags {', '.join(trace['flags']) or 'none'}"
    )
    if trace["routed_with_policy_version"] not in (None, trace["policy_version"]):
        print(
            f"  note: routed under policy version {trace['routed_with_policy_version']}, explained with {trace['policy_version']}"
        )
    for rule in trace["rules"]:
        print(f"{'FIRED' if rule['matched'] else 'no   '}  {rule['rule']}: {rule['description']}")
        for check in rule["checks"] or [{"condition": "always (catch-all)", "holds": True, "actual": "-"}]:
            print(
                f"         {'ok ' if check['holds'] else 'NOT'} {check['condition']} (lead: {check['actual']})"
            )
    return 0


def _report(args: argparse.Namespace) -> int:
    from leadqual.domain.feedback import retrospective_in_words

    window = {key: value for key, value in (("since", args.since), ("until", args.until)) if value}
    if args.html and not args.html.parent.is_dir():
        print(
            f"cannot write {args.html}: there is no folder {args.html.parent}; create it, or name another",
            file=sys.stderr,
        )
        return 2
    try:
        if args.html:
            return _report_file(args.html, _get_json(args.api, "/reports", args.aws_region, window))
        report = _get_json(args.api, "/reports/retrospective", args.aws_region, window)
    except ApiCallFailed:
        return 2
    print("\n".join(retrospective_in_words(report)))
    return 0


def _report_file(path: Path, report: dict[str, Any]) -> int:
    """The console's reports page as one file: the same charts, its styles inlined, nothing fetched."""
    from leadqual.console.charts import standalone_report
    from leadqual.console.pages import STATIC

    path.write_text(
        standalone_report(report, (STATIC / "console.css").read_text(encoding="utf-8")), encoding="utf-8"
    )
    retrospective, flow = report["retrospective"], report["flow"]
    print(
        f"wrote {path}: {flow['leads']} leads submitted, {retrospective['reported']} with an outcome "
        f"({retrospective['decided']} decided); open it in any browser, offline"
    )
    return 0


def _feedback_export(args: argparse.Namespace) -> int:
    import os

    from leadqual.adapters.dynamo_leads import DynamoLeadStore
    from leadqual.domain.feedback import LABEL_COLUMN
    from leadqual.services.feedback import FeedbackService
    from leadqual_training.tabular import write_rows

    if args.aws_region:
        os.environ["AWS_DEFAULT_REGION"] = args.aws_region
    export = FeedbackService(DynamoLeadStore(args.table)).export()
    write_rows(export.rows, args.out)
    outcomes = Counter(row[LABEL_COLUMN] for row in export.rows)
    print(f"{len(export.rows)} labelled leads written to {args.out}: {dict(outcomes)}")
    if export.without_input:
        print(
            f"{export.without_input} labelled leads were scored before leads kept their model input: left out"
        )
    return 0


def _backfill_report_rows(args: argparse.Namespace) -> int:
    import os

    from leadqual.adapters.dynamo_leads import DynamoLeadStore

    if args.aws_region:
        os.environ["AWS_DEFAULT_REGION"] = args.aws_region
    given, skipped, unreadable = DynamoLeadStore(args.table).backfill_report_rows()
    print(f"{given} leads given their report row; {skipped} saved meanwhile (their save wrote it)")
    if unreadable:
        print(
            f"{len(unreadable)} lead items are not lead documents and were left as they are: {unreadable[:10]}"
        )
    return 1 if unreadable else 0


def _history_import(args: argparse.Namespace) -> int:
    def work() -> None:
        from leadqual_training.history import import_history
        from leadqual_training.train import load_spec

        import_history(args.mapping, args.out, load_spec(args.spec).behaviour, exports=args.exports)
        print(f"records written to {args.out}; next: leadqual train --data {args.out} (then --promote)")

    # HistoryError is a ValueError: a mapping or export it cannot read is refused, saying why.
    return _training_command("import the history", work, (ValueError,))


def _retrain(args: argparse.Namespace) -> int:
    def work() -> None:
        from leadqual_training.retrain import retrain

        retrain(
            args.data,
            args.spec,
            args.out,
            version=args.version,
            min_gain=args.min_gain,
            kinds=tuple(args.candidates),
        )

    return _training_command("retrain", work)


def _model_argument(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--model", type=Path, default=None,
        help="one model's folder, e.g. model_artifacts/2026-11-27-2 (default: the one that serves, CURRENT)",
    )  # fmt: skip


def _candidates_argument(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--candidates",
        nargs="+",
        choices=["logistic_regression", "additive_gbm", "additive_gbm_pairs"],
        default=["logistic_regression", "additive_gbm", "additive_gbm_pairs"],
        help="model families to cross-validate (the logistic regression is the baseline)",
    )


def _crm_install(args: argparse.Namespace) -> int:
    from leadqual_tools.crm_admin import install

    return install(args.connections, args.policy, apply=args.apply)


def _crm_doctor(args: argparse.Namespace) -> int:
    from leadqual_tools.crm_admin import doctor

    return doctor(args.connections, args.policy)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="leadqual", description="Hybrid AI + human lead qualification")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser(
        "serve", help="run the API and the whole flow locally on embedded AWS emulation"
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="the address to listen on (default: this machine only)"
    )
    serve.add_argument("--port", type=int, default=8000, help="the port to listen on")
    serve.add_argument(
        "--review-timeout",
        type=int,
        default=DEFAULT_REVIEW_TIMEOUT_SECONDS,
        help="seconds an SDR has to decide (default as deployed: 24 h)",
    )
    serve.add_argument(
        "--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="the functions' log lines from this level up (default WARNING; INFO prints every step)",
    )  # fmt: skip
    serve.add_argument(
        "--sample", action="store_true",
        help="start with sample leads: reviews waiting in the console's inbox, outcomes in its reports",
    )  # fmt: skip
    serve.add_argument(
        "--report-on-exit", type=Path, default=None,
        help="write what the local cloud holds (queue depths, executions by status) to this JSON file on exit",
    )  # fmt: skip
    serve.add_argument(
        "--backlog", type=int, default=DEFAULT_BACKLOG,
        help="hold a new POST /leads while this much pipeline work is waiting (0: never hold); one "
        "process runs every stage, so without it a burst queues behind itself",
    )  # fmt: skip
    serve.add_argument(
        "--connections", type=Path, default=None, metavar="FILE",
        help="the CRM (and Slack) to talk to, and the environment variables holding their credentials "
        "(README: the connections file); without it nothing is written to any CRM",
    )  # fmt: skip
    serve.set_defaults(run=_serve)

    crm = commands.add_parser(
        "crm", help="set up and check the CRM leadqual writes to (the connections file's)"
    )
    crm_commands = crm.add_subparsers(dest="crm_command", required=True)
    crm_install = crm_commands.add_parser(
        "install",
        help="create leadqual's fields in the CRM; prints the difference first, changes nothing without --apply",
    )
    crm_doctor = crm_commands.add_parser(
        "doctor", help="check the credential, permissions, fields, owners and API headroom"
    )
    for command in (crm_install, crm_doctor):
        command.add_argument(
            "--connections", type=Path, required=True, metavar="FILE", help="the connections file"
        )
        command.add_argument(
            "--policy",
            type=Path,
            default=None,
            help="the policy whose crm block names the fields (default: the shipped one)",
        )
    apply = crm_install.add_mutually_exclusive_group()
    apply.add_argument(
        "--dry-run", dest="apply", action="store_false", help="print what would change (the default)"
    )
    apply.add_argument("--apply", dest="apply", action="store_true", help="create what is missing")
    crm_install.set_defaults(run=_crm_install, apply=False)
    crm_doctor.set_defaults(run=_crm_doctor)

    openapi = commands.add_parser(
        "openapi", help="print the API's OpenAPI document, generated from its routes (docs/openapi.json)"
    )
    openapi.add_argument("--out", type=Path, default=None, help="write it to this file instead")
    openapi.set_defaults(run=_openapi)

    demo = commands.add_parser("demo", help="run 200+ synthetic leads through the local flow and summarise")
    demo.add_argument("--leads", type=int, default=220, help="how many synthetic leads to submit")
    demo.add_argument(
        "--seed", type=int, default=11, help="the synthetic leads' seed: the same seed, the same leads"
    )
    demo.add_argument(
        "--review-timeout", type=int, default=45, help="seconds; one review is left to time out"
    )
    demo.set_defaults(run=_demo)

    session = commands.add_parser(
        "session", help="play five qualification scenarios over HTTP against a running `leadqual serve`"
    )
    session.add_argument("--api", default="http://127.0.0.1:8000", help="a running `leadqual serve`")
    session.set_defaults(run=_session)

    train = commands.add_parser("train", help="train a model from a CRM export and a feature specification")
    train.add_argument(
        "--data", type=Path, help="CSV export; default: generate the bundled synthetic history"
    )
    train.add_argument(
        "--spec", type=Path, default=DEFAULT_SPEC, help="the feature specification: columns, kinds, the label"
    )
    train.add_argument(
        "--out", type=Path, default=DEFAULT_ARTIFACTS, help="the folder of model versions to write into"
    )
    train.add_argument("--version", help="model version (default: today's date and a counter)")
    train.add_argument("--rows", type=int, default=20_000, help="without --data: how many synthetic leads")
    train.add_argument("--seed", type=int, default=7, help="without --data: the synthetic leads' seed")
    train.add_argument(
        "--promote",
        action="store_true",
        help="make the new model the one that serves (CURRENT), if it can be deployed; else CURRENT stays",
    )
    train.add_argument(
        "--budget",
        type=float,
        help="seconds for choosing among settings; past it each candidate tries no more (default: all)",
    )
    _candidates_argument(train)
    train.set_defaults(run=_train)

    promote = commands.add_parser(
        "promote",
        help="make a trained model the one that serves (CURRENT), if live leads can be scored with it",
    )
    promote.add_argument("--version", required=True, help="the version to serve, a folder of --out")
    promote.add_argument(
        "--out", type=Path, default=DEFAULT_ARTIFACTS, help="the folder of model versions (CURRENT is in it)"
    )
    promote.set_defaults(run=_promote)

    evaluate = commands.add_parser(
        "evaluate", help="the model card's metrics, and conversion by grade, on any labelled export"
    )
    _model_argument(evaluate)
    evaluate.add_argument(
        "--data", type=Path, default=SAMPLE_LABELLED,
        help="CSV export with the label column (default: a small labelled sample that ships, to try it at once)",
    )  # fmt: skip
    evaluate.add_argument("--report", type=Path, help="JSON path (a .md is written beside it)")
    evaluate.set_defaults(run=_backtest)

    score = commands.add_parser("score", help="score an export in bulk for back-tests")
    _model_argument(score)
    score.add_argument("--data", type=Path, required=True, help="CSV export of the leads to score")
    score.add_argument("--out", type=Path, required=True, help="CSV of scores, grades and reasons")
    score.set_defaults(run=_backtest)

    feedback = commands.add_parser("feedback", help="what sales reported, as rows to retrain on")
    feedback_commands = feedback.add_subparsers(dest="feedback_command", required=True)
    export = feedback_commands.add_parser(
        "export", help="every lead with a reported outcome, with the record the model scored, to CSV"
    )
    export.add_argument("--table", required=True, help="the stack's leads table (output LeadsTableName)")
    export.add_argument("--aws-region", help="the stack's region (default: the AWS CLI's)")
    export.add_argument(
        "--out", type=Path, required=True, help="the CSV to write, one row per lead with an outcome"
    )
    export.set_defaults(run=_feedback_export)

    report = commands.add_parser(
        "report", help="the retrospective: do high grades convert, and which rules misroute?"
    )
    report.add_argument("--api", required=True, help="the API's URL (leadqual serve, or the stack's ApiUrl)")
    report.add_argument("--aws-region", help="sign the request with your AWS credentials (the deployed API)")
    report.add_argument("--since", help="leads submitted from this ISO time on, e.g. 2026-10-01T00:00:00Z")
    report.add_argument("--until", help="leads submitted before this ISO time")
    report.add_argument(
        "--html", type=Path, metavar="FILE",
        help="write the console's reports, charts and all, as one self-contained HTML file",
    )  # fmt: skip
    report.set_defaults(run=_report)

    backfill = commands.add_parser(
        "backfill-report-rows",
        help="once, after upgrading a stack from before the reports index: give older leads their report row",
    )
    backfill.add_argument("--table", required=True, help="the stack's leads table (output LeadsTableName)")
    backfill.add_argument("--aws-region", help="the stack's region (default: the AWS CLI's)")
    backfill.set_defaults(run=_backfill_report_rows)

    retrain = commands.add_parser(
        "retrain",
        help="train a challenger on history plus reported outcomes; promote it only if it beats the current model",
    )
    retrain.add_argument(
        "--data", type=Path, action="append", required=True,
        help="CSV in the spec's layout; repeat it (e.g. the history, then `feedback export`'s file)",
    )  # fmt: skip
    retrain.add_argument(
        "--spec", type=Path, default=DEFAULT_SPEC, help="the feature specification the model is trained on"
    )
    retrain.add_argument(
        "--out", type=Path, default=DEFAULT_ARTIFACTS, help="model_artifacts/ (holds CURRENT)"
    )
    retrain.add_argument("--version", help="the challenger's version (default: today's date and a counter)")
    retrain.add_argument(
        "--min-gain", type=float, default=0.002,
        help="ROC AUC the challenger must gain on the newest leads to be promoted (default 0.002)",
    )  # fmt: skip
    _candidates_argument(retrain)
    retrain.set_defaults(run=_retrain)

    history = commands.add_parser(
        "history", help="a team's own CRM exports as leadqual's records, to train on"
    )
    history_commands = history.add_subparsers(dest="history_command", required=True)
    history_import = history_commands.add_parser(
        "import",
        help="leads, accounts, activities, intent and outcomes (described by a mapping file) -> one record "
        "per lead as it was at submission, in the columns live leads are scored on",
    )
    history_import.add_argument(
        "--mapping", type=Path, required=True, help="e.g. training/mappings/salesforce.yaml"
    )
    history_import.add_argument(
        "--exports", type=Path, help="folder of the export files (default: the mapping's)"
    )
    history_import.add_argument(
        "--out", type=Path, required=True, help="CSV of records for `leadqual train --data`"
    )
    history_import.add_argument(
        "--spec", type=Path, default=DEFAULT_SPEC, help="whose behaviour windows to use"
    )
    history_import.set_defaults(run=_history_import)

    roster = commands.add_parser("roster", help="the reps who take leads")
    roster_commands = roster.add_subparsers(dest="roster_command", required=True)
    simulate = roster_commands.add_parser(
        "simulate", help="replay a lead export through fair distribution; each rep's share against its target"
    )
    simulate.add_argument("--leads", type=Path, required=True, help="CSV: received_at, country, probability")
    simulate.add_argument(
        "--policy", type=Path, help="weights, caps, hours and pools (default: the shipped one)"
    )
    simulate.add_argument("--away", type=Path, help="YAML of time off: {rep: [{start, end, note}]}")
    simulate.add_argument(
        "--days-open", type=float, default=7.0, help="how long a rep works each lead (open cap)"
    )
    simulate.set_defaults(run=_roster_simulate)

    rules = commands.add_parser("rules", help="check a routing policy file, or explain a lead's routing")
    rule_commands = rules.add_subparsers(dest="rules_command", required=True)
    check = rule_commands.add_parser("check", help="validate a policy file and print each rule in words")
    check.add_argument("file", type=Path, help="a policy file, e.g. functions/leadqual/config/policy.yaml")
    check.set_defaults(run=_rules_check)
    explain = rule_commands.add_parser(
        "explain", help="which rules were tried for a lead, and why each matched or not"
    )
    explain.add_argument("lead_id", help="the lead, ld_... as POST /leads answered it")
    explain.add_argument(
        "--api", default="http://127.0.0.1:8000", help="the leadqual API (default: leadqual serve)"
    )
    explain.add_argument(
        "--aws-region",
        help="sign with SigV4 for the deployed API (its IAM-authorised routes), e.g. eu-west-1",
    )
    explain.set_defaults(run=_rules_explain)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
