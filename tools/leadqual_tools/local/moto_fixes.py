"""Where moto 5.2.5 departs from AWS in ways that matter to a local mode under load, put right.

Only the emulator changes here; leadqual's code runs as it ships. Each fix names what it fixes:

- DynamoDB applies each request atomically; moto does not across threads (a transaction
  deep-copies a table another thread writes). One request at a time restores what DynamoDB
  guarantees, while leadqual's own multi-request logic still interleaves freely.
- moto's Query lists and sorts every item of a table, so each query cost grew with the table;
  a base-table query here reads only its partition, as DynamoDB does.
- moto's TransactWriteItems deep-copies every table it touches, once per item, to roll back on
  failure: each ingest cost time and memory in proportion to the table (ingest fell from 386 to
  46 leads a minute, 14 GB after 1,457 leads). Here only the items the transaction names are saved.
- moto's Scan sorts every item of the table for each page and compares each to the page's start
  key, in Python comparisons of its own types: a report's scan of 10,000 leads took 5.5 s. A page
  here starts after its start key by bisection, in the same order. Index queries and scans did
  the same and compared every item to the partition key: the reports' index over 10,000 leads
  took 15 s to read; they are put right the same way.
- moto answers each DynamoDB attribute value by walking its shape member by member (about 0.15 ms
  a value): the value moto holds is already what DynamoDB sends, so it is sent as it is (binary
  values still take moto's way). It projected an item by turning all of it into JSON and back
  (0.4 ms an item); a projection of top-level names now keeps those attributes as they are.
- moto parses the state machine's ASL with ANTLR for every execution; the parse tree of one
  definition is the same every time, so it is parsed once (the evaluation components are still
  built afresh for each execution, as they hold no shared state then).
- moto's Step Functions builds a new boto3 client for every Lambda and SQS task; one per service is
  enough (boto3 clients are thread-safe once made).
- moto's SQS computes every attribute of a queue, its message counts included, to read one of them:
  each SendMessage (four reads) and each message received (one) walked every message in the queue.
  The action queues have no consumer locally, so every send cost more than the one before (at
  1,500 leads, a third of the process's time). Sending and receiving now skip the counts, which
  they never read; GetQueueAttributes still counts.
- moto's SendTaskSuccess looks for the token in every running execution's environment, and fails
  (500) on an execution that has just started and has no environment yet. Under load one SDR
  decision in about a thousand hit one and was answered 503 after every retry. An execution without
  an environment holds no token, so it is passed over.
- moto keeps a finished execution's whole evaluation environment (frames, states, callbacks,
  variables) for the sake of its history, and every thread an execution ran (two or three each) in
  a module-level list, for the life of the process: at 10,000 leads, a large part of
  `leadqual serve`'s memory. A finished execution now keeps its history alone, which is all moto
  reads of it after the end (GetExecutionHistory), and finished threads leave the list.
- moto lists the methods of a service's response class (`inspect.getmembers`) on every request, its
  Step Functions builds a JSONPath parser (a PLY grammar) for every path it reads, and its DynamoDB
  parses an UpdateExpression two or three times per update. Each is the same every time, so each
  is worked out once (moto validates and applies a deep copy of the parsed update expression).
- moto runs executions on threads of the process that outlive `mock_aws`: stopping a local cloud
  left them to time out into the next one (tests stand up many). `end_executions` stops them and
  waits for them; moto's StopExecution fails on an execution that has no environment yet. moto's
  interpreter logged each wait it wakes as an error (a review timing out): it is kept quiet meanwhile.
"""

from __future__ import annotations

import bisect
import copy
import datetime
import functools
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from moto.core import responses as core_responses
from moto.core.serialize import BaseJSONSerializer
from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import Table
from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]
from moto.dynamodb.responses import DynamoHandler
from moto.sqs.models import Queue, SQSBackend
from moto.stepfunctions.parser import utils as stepfunctions_utils
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_sqs
from moto.stepfunctions.parser.asl.parse import asl_parser
from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication
from moto.stepfunctions.parser.models import StepFunctionsParserBackend, stepfunctions_parser_backends

from leadqual_tools.local.stack_template import ACCOUNT

_dynamodb_lock = threading.RLock()
_originals: dict[str, Any] = {}


# What leaves every table as it was: an index read may reuse its order while no other request came.
_DYNAMODB_READS = frozenset(
    {"GetItem", "BatchGetItem", "Query", "Scan", "DescribeTable", "ListTables", "DescribeTimeToLive"}
)
_dynamodb_changes = 0  # requests that may have changed a table, under the lock


# ----- DynamoDB: one request at a time -----
def _atomic_dynamodb_call(self: DynamoHandler) -> Any:
    global _dynamodb_changes
    with _dynamodb_lock:
        if self._get_action() not in _DYNAMODB_READS:
            _dynamodb_changes += 1
        return _originals["call_action"](self)


# ----- DynamoDB: transactions roll back the items they name, not whole tables -----
class _TablesNotCopied:
    """Stands in for the `copy` module inside moto's DynamoDB models: a Table is not deep-copied
    (the journal below restores its items); everything else is copied as before."""

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def _item_key(table: Table, op_type: str, op: dict[str, Any]) -> tuple[DynamoType, DynamoType | None]:
    key = op["Item"] if op_type == "Put" else op["Key"]
    hash_value = DynamoType(key[table.hash_key_attr])
    range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    return hash_value, range_value


def _journaled_transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    journal: list[tuple[Table, DynamoType, DynamoType | None, Any]] = []
    for item in transact_items:
        op_type, op = next(iter(item.items()))
        table = self.tables.get(op.get("TableName", ""))
        if table is None or op_type not in {"Put", "Update", "Delete", "ConditionCheck"}:
            continue
        try:
            hash_value, range_value = _item_key(table, op_type, op)
        except KeyError:
            continue  # moto refuses the request itself, before changing anything
        current = table.get_item(hash_value, range_value)
        journal.append((table, hash_value, range_value, copy.deepcopy(current)))
    try:
        _originals["transact_write_items"](self, transact_items)
    except Exception:
        for table, hash_value, range_value, saved in reversed(journal):
            table.delete_item(hash_value, range_value)
            if saved is not None:
                if range_value is not None:
                    table.items[hash_value][range_value] = saved
                else:
                    table.items[hash_value] = saved
        raise


# ----- DynamoDB: a query reads its partition, not the whole table -----
def _partition_query(self: Table, hash_key: DynamoType | None, *args: Any, **kwargs: Any) -> Any:
    # moto 5.2.5 lists and sorts every item of the table for each query, even on the base table's
    # partition key; DynamoDB reads one partition (args[3] is the start key, args[4] the direction,
    # args[6] the index). Queries run under the request lock, so shadowing methods here is safe.
    index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
    if not self.range_key_attr or hash_key is None:
        return _originals["query"](self, hash_key, *args, **kwargs)
    if index_name:
        forward = args[4] if len(args) > 4 else kwargs.get("scan_index_forward", True)
        start_key = args[3] if len(args) > 3 else kwargs.get("exclusive_start_key")
        ordered = _index_items(self, index_name, hash_key, start_key) if forward is not False else None
        if ordered is not None:
            return _with_items(
                self, ordered, lambda: _originals["query"](self, hash_key, *_without_start(args), **kwargs)
            )
        # moto keeps no index: the query looks at every item, but moto sorts its results itself.
        items = [item for partition in self.items.values() for item in partition.values()]
    else:
        items = list(self.items.get(hash_key, {}).values())
    self.all_items = lambda: items  # type: ignore[method-assign]
    try:
        return _originals["query"](self, hash_key, *args, **kwargs)
    finally:
        del self.all_items


def _index_items(
    table: Table, index_name: str, hash_key: DynamoType | None, start_key: dict[str, Any] | None
) -> Iterator[Any] | None:
    """An index's items (of one index partition, for a query) in moto's order, from just after the
    page's start key; None when a key is not a string (moto's own way then).

    moto 5.2.5 reads an index page by comparing every item of the table to the partition key and
    sorting them all in its own Python types, then comparing each to the start key; a page also
    holds ten times fewer items than DynamoDB's, as moto counts whole items, not what the index
    projects. The reports' index over 10,000 leads took 15 s to read. Keys that are strings sort
    as their text, so the same order comes from the text, and the page start from a bisection;
    and each item is the index's own item, keys and projected attributes only, as DynamoDB keeps
    it (so a page holds what DynamoDB's would, and moto no longer copies whole leads to project them).
    """
    index = table.get_index(index_name, error_if_not=True)
    keys = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
    keys += [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
    if not table.range_key_attr or {table.hash_key_type, table.range_key_type} != {"S"} or len(keys) > 2:
        return None
    order = [*keys, table.hash_key_attr, table.range_key_attr]
    projection = index.projection or {}
    kept = None
    if projection.get("ProjectionType") != "ALL":
        kept = {*order, *projection.get("NonKeyAttributes", [])}
    wanted = None if hash_key is None else hash_key.value
    rows = _sorted_index_rows(table, index_name, keys, wanted)
    if rows is None:
        return None
    first = 0
    if start_key:
        if any(set(start_key.get(key, {})) != {"S"} for key in order):
            return None
        first = bisect.bisect_right([row[0] for row in rows], tuple(start_key[key]["S"] for key in order))
    # Made as moto reads them: it stops at the end of a page, a few thousand items in.
    return (item if kept is None else _item_with(item, kept) for _, item in rows[first:])


# The last index partition read in order: the next page of the same read reuses it, as long as no
# request that may change a table came in between (a page of 10,000 rows is ~0.1 s to sort).
_last_sorted: tuple[tuple[Any, ...], list[tuple[tuple[str, ...], Any]]] | None = None


def _sorted_index_rows(
    table: Table, index_name: str, keys: list[str], wanted: str | None
) -> list[tuple[tuple[str, ...], Any]] | None:
    global _last_sorted
    reading = (id(table), index_name, wanted, _dynamodb_changes)
    if _last_sorted is not None and _last_sorted[0] == reading:
        return _last_sorted[1]
    index_hash, index_range = keys[0], keys[1] if len(keys) > 1 else None
    rows = []
    for partition in table.items.values():
        for item in partition.values():
            attrs = item.attrs
            found = attrs.get(index_hash)
            ranged = attrs.get(index_range) if index_range else None
            if (
                found is None
                or (index_range and ranged is None)
                or (wanted is not None and found.value != wanted)
            ):
                continue
            if found.type != "S" or (ranged is not None and ranged.type != "S"):
                return None
            key = (found.value, ranged.value) if ranged is not None else (found.value,)
            rows.append(((*key, item.hash_key.value, item.range_key.value), item))
    rows.sort(key=lambda row: row[0])
    _last_sorted = (reading, rows)
    return rows


class _ReadView(Item):
    """Some of an item's attributes for a read's answer, sharing their values: a read only reads
    them, so a copy of it (moto deep-copies what a scan answers, value by value) is itself."""

    _size: int | None = None

    def __deepcopy__(self, memo: Any) -> _ReadView:
        return self

    def size(self) -> int:  # moto asks a page's items their size again and again
        if self._size is None:
            self._size = super().size()
        return self._size


def _item_with(item: Any, kept: set[str]) -> Any:
    view: Any = _ReadView.__new__(_ReadView)  # moto's models are made without __init__ here
    view.hash_key, view.range_key = item.hash_key, item.range_key
    view.attrs = LimitedSizeDict()
    view.attrs.update((name, value) for name, value in item.attrs.items() if name in kept)
    return view


def _top_level_projection(original: Callable[..., Any]) -> Callable[..., Any]:
    # moto 5.2.5 projects an item by turning all of it into plain JSON and back, setting each
    # attribute into a dict that sums the sizes of all it holds so far: about 0.4 ms an item, the
    # most of a report's read. A projection of top-level names keeps those attributes as they are.
    def project(self: Any, projection_expressions: list[list[str]]) -> Any:
        names = {path[0] for path in projection_expressions if len(path) == 1 and "[" not in path[0]}
        if len(names) != len({tuple(path) for path in projection_expressions}):
            return original(self, projection_expressions)
        return _item_with(self, names)

    return project


def _without_start(args: tuple[Any, ...]) -> tuple[Any, ...]:
    return (*args[:3], None, *args[4:]) if len(args) > 3 else args


def _with_items(table: Table, items: Iterable[Any], call: Callable[[], Any]) -> Any:
    """Runs moto's read over `items`, already in order and past the start key."""
    shadowed: Any = table  # instance attributes over the class's methods, for this call only
    shadowed.all_items = lambda: items
    shadowed.has_idx_items = lambda _name: items
    shadowed.sorted_items = lambda _hash, _range, found: found
    try:
        return call()
    finally:
        del shadowed.all_items, shadowed.has_idx_items, shadowed.sorted_items


# ----- DynamoDB: a scan page starts where the last one ended -----
def _resumed_scan(
    self: Table,
    filters: Any,
    limit: Any,
    exclusive_start_key: dict[str, Any] | None,
    *args: Any,
    **kwargs: Any,
) -> Any:
    # moto 5.2.5 sorts every item of the table for each page, in DynamoType comparisons, then
    # compares every item to the page's start key: a 10,000-lead report's scan took 5.5 s for 15
    # pages. Here the items are sorted by their keys' own text and the page starts after its start
    # key by bisection, in the same order (string keys compare as their text). Tables whose keys
    # are not both strings keep moto's own way.
    index_name = args[1] if len(args) > 1 else kwargs.get("index_name")
    key_types = {self.hash_key_type, self.range_key_type}
    if not self.range_key_attr or key_types != {"S"}:
        return _originals["scan"](self, filters, limit, exclusive_start_key, *args, **kwargs)
    if index_name:
        ordered = _index_items(self, index_name, None, exclusive_start_key)
        if ordered is None:
            return _originals["scan"](self, filters, limit, exclusive_start_key, *args, **kwargs)
        return _with_items(
            self, ordered, lambda: _originals["scan"](self, filters, limit, None, *args, **kwargs)
        )
    items = sorted(
        (item for partition in self.items.values() for item in partition.values()),
        key=lambda item: (item.hash_key.value, item.range_key.value),
    )
    if exclusive_start_key:
        start = (exclusive_start_key[self.hash_key_attr]["S"], exclusive_start_key[self.range_key_attr]["S"])
        keys = [(item.hash_key.value, item.range_key.value) for item in items]
        items = items[bisect.bisect_right(keys, start) :]
    return _with_items(self, items, lambda: _originals["scan"](self, filters, limit, None, *args, **kwargs))


# ----- DynamoDB: an item's values are answered as they are held -----
_AS_HELD = frozenset({"S", "N", "BOOL", "NULL", "SS", "NS"})


def _held_as_sent(value: Any) -> bool:
    """Whether an AttributeValue as moto holds it is already what DynamoDB sends (all but binary)."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    ((kind, inner),) = value.items()
    if kind in _AS_HELD:
        return True
    if kind == "M":
        return isinstance(inner, dict) and all(map(_held_as_sent, inner.values()))
    if kind == "L":
        return isinstance(inner, list) and all(map(_held_as_sent, inner))
    return False


def _attribute_values_as_held(original: Callable[..., Any]) -> Callable[..., Any]:
    # moto 5.2.5 answers each attribute value by walking its shape's ten members, reading each
    # through an attribute picker: about 0.15 ms a value, so 1.5 s for the reports' 10,000 rows.
    # The value moto holds is already the wire form; binary values still take moto's way.
    def serialize(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if shape.name == "AttributeValue" and key and _held_as_sent(value):
            serialized[key] = value
            return
        original(self, serialized, value, shape, key)

    return serialize


# ----- Step Functions: one ANTLR parse per definition -----
_parse_trees: dict[str, Any] = {}
_parse_lock = threading.Lock()


def _parse_once(definition: str) -> tuple[Any, Any]:
    with _parse_lock:
        tree = _parse_trees.get(definition)
    if tree is None:
        _, tree = _originals["parse"](definition)  # raises on a bad definition, as before
        with _parse_lock:
            _parse_trees[definition] = tree
    return Preprocessor().visit(tree), tree


# ----- Step Functions: one boto3 client per service -----
_clients: dict[tuple[str, str], Any] = {}
_clients_lock = threading.Lock()


def _shared_client(original: Callable[..., Any]) -> Callable[..., Any]:
    def client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        with _clients_lock:
            if (region, service) not in _clients:
                _clients[(region, service)] = original(
                    region=region, service=service, state_credentials=state_credentials
                )
            return _clients[(region, service)]

    return client_for


# ----- Step Functions: a just-started execution holds no task token yet -----
def _executions_with_environments(
    self: StepFunctionsParserBackend, execution_status: Any = None
) -> list[Any]:
    # moto's own loop reads every execution's status, which a just-created one has not yet; every
    # caller then reads execution.exec_worker.env (callbacks, map runs). Until the execution's
    # thread has made them, it has neither a token nor a map run to find, so it is passed over.
    found = []
    for machine in list(self.state_machines):
        executions: list[Any] = list(machine.executions)  # the parser's executions
        for execution in executions:
            worker = execution.exec_worker
            if worker is None or worker.env is None or execution.exec_status is None:
                continue
            if execution_status is None or execution_status == execution.status:
                found.append(execution)
    return found


# ----- Step Functions: a finished execution keeps its history, not its environment -----
class _NoCallbacks:
    """A finished execution waits for no token: SendTaskSuccess/Failure pass it over."""

    def notify(self, callback_id: Any, outcome: Any) -> bool:
        return False

    def heartbeat(self, callback_id: Any) -> bool:
        return False


class _NoMapRuns:
    def get(self, map_run_arn: Any) -> None:
        return None

    def get_all(self) -> list[Any]:
        return []


class _KeptHistory:
    def __init__(self, history: list[Any]):
        self._history = history

    def get_event_history(self) -> list[Any]:
        return copy.deepcopy(self._history)  # as moto's own event manager answers: a copy


class _FinishedEnvironment:
    """What moto reads of a finished execution's environment, and nothing else."""

    def __init__(self, history: list[Any]):
        self.event_manager = _KeptHistory(history)
        self.callback_pool_manager = _NoCallbacks()
        self.map_run_record_pool_manager = _NoMapRuns()

    def set_stop(self, **_: Any) -> None:
        """StopExecution of an execution that has ended changes nothing."""


class _FinishedWorker:
    def __init__(self, history: list[Any]):
        self.env = _FinishedEnvironment(history)

    def stop(self, **_: Any) -> None:
        """See `_FinishedEnvironment.set_stop`."""


def end_executions(seconds: float) -> None:
    """Stops every execution still running, wakes those waiting for a task token, and waits,
    `seconds` at most in all, for the threads moto runs them on. Stopped, an execution takes no
    further step; woken, it does not wait out its timeout first.

    Stopped as StopExecution stops one (`set_stop` on its environment), but also one whose thread
    has not built its environment yet, which moto's StopExecution fails on: it is waited for."""
    deadline = time.monotonic() + seconds
    with _interpreter_silenced():
        while _stop_and_wake_all() and time.monotonic() < deadline:
            time.sleep(0.01)
        for thread in list(stepfunctions_utils.TMP_THREADS):
            # Python names a thread after its target: "Thread-7 (_execution_logic)".
            if thread.ident is not None and thread.name.endswith("(_execution_logic)"):
                thread.join(timeout=max(0.0, deadline - time.monotonic()))


def _stop_and_wake_all() -> bool:
    """Stops each execution that has an environment and wakes its waits; whether any is still starting."""
    starting = False
    for backend in stepfunctions_parser_backends[ACCOUNT].values():
        for machine in list(backend.state_machines):
            executions: list[Any] = list(machine.executions)  # the parser's executions
            for execution in executions:
                environment = getattr(execution.exec_worker, "env", None)
                if environment is None:
                    starting = starting or execution.exec_worker is not None
                    continue
                environment.set_stop(stop_date=datetime.datetime.now(datetime.UTC), cause=None, error=None)
                for endpoint in list(getattr(environment.callback_pool_manager, "_pool", {}).values()):
                    endpoint.interrupt_all()  # what moto itself calls once a task's outcome is in
    return starting


@contextmanager
def _interpreter_silenced() -> Iterator[None]:
    """A woken wait ends in States.Timeout, and moto's interpreter logs that as an error, with the
    state's whole definition: one such line for each review still waiting as the cloud stops (500
    as `make bench` quit). No review timed out; the cloud stopped."""
    interpreter = logging.getLogger("moto.stepfunctions.parser")
    level = interpreter.level
    interpreter.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        interpreter.setLevel(level)


_terminations = itertools.count(1)
PRUNE_THREADS_EVERY = 200


def _terminated_then_compacted(original: Callable[..., Any]) -> Callable[..., Any]:
    def terminated(self: BaseExecutionWorkerCommunication) -> None:
        original(self)  # the execution's status, output or error, from its environment
        execution = self.execution
        worker = execution.exec_worker
        if worker is not None and worker.env is not None:
            history = worker.env.event_manager.get_event_history()
            execution.exec_worker = _FinishedWorker(history)  # type: ignore[assignment]  # what moto reads of it
        if next(_terminations) % PRUNE_THREADS_EVERY == 0:
            # Read by nothing in moto; a thread that has not started yet is kept with the living.
            threads = stepfunctions_utils.TMP_THREADS
            threads[:] = [t for t in threads if t.is_alive() or t.ident is None]

    return terminated


# ----- SQS: sending and receiving do not count the queue's messages -----
_QUEUE_COUNTS = (
    "approximate_number_of_messages",
    "approximate_number_of_messages_delayed",
    "approximate_number_of_messages_not_visible",
)
_SQS_CALLS_THAT_NEVER_COUNT = ("send_message", "receive_message")
_not_counting = threading.local()


def _count_when_asked(count: property) -> property:
    def counted(self: Queue) -> int:
        if getattr(_not_counting, "depth", 0):
            return 0  # read only by Queue.attributes on behalf of a caller that ignores it
        value: int = count.fget(self)  # type: ignore[misc]
        return value

    return property(counted)


def _without_counting(call: Callable[..., Any]) -> Callable[..., Any]:
    def uncounted(self: SQSBackend, *args: Any, **kwargs: Any) -> Any:
        _not_counting.depth = getattr(_not_counting, "depth", 0) + 1
        try:
            return call(self, *args, **kwargs)
        finally:
            _not_counting.depth -= 1

    return uncounted


_ABSENT = object()
# (owner, attribute, what its own __dict__ held before): undone in reverse by `uninstall`.
_replaced: list[tuple[Any, str, Any]] = []


def _replace(owner: Any, name: str, make: Callable[[Any], Any], keep_as: str | None = None) -> None:
    """Sets owner.name to make(original); `keep_as` names the original for the fixes that call it."""
    original = getattr(owner, name)
    _replaced.append((owner, name, vars(owner).get(name, _ABSENT)))
    if keep_as:
        _originals[keep_as] = original
    setattr(owner, name, make(original))


def _parsed_once(make: Any) -> Any:
    cached: Any = functools.lru_cache(maxsize=1024)(make.__func__)
    return classmethod(cached)


def install() -> None:
    if _replaced:
        return
    _replace(StepFunctionsParserBackend, "_get_executions", lambda _: _executions_with_environments)
    # A class's methods and a path's parse tree never change; the parsed path is only read (find).
    _replace(core_responses, "method_names_from_class", functools.cache)
    _replace(BaseJSONSerializer, "_serialize_type_structure", _attribute_values_as_held)
    _replace(Item, "project", _top_level_projection)
    _replace(json_path, "parse", functools.lru_cache(maxsize=4096))
    _replace(UpdateExpressionParser, "make", _parsed_once)
    for name in _QUEUE_COUNTS:
        _replace(Queue, name, _count_when_asked)
    for name in _SQS_CALLS_THAT_NEVER_COUNT:
        _replace(SQSBackend, name, _without_counting)
    _replace(DynamoHandler, "call_action", lambda _: _atomic_dynamodb_call, keep_as="call_action")
    _replace(DynamoDBBackend, "transact_write_items", lambda _: _journaled_transact_write_items,
             keep_as="transact_write_items")  # fmt: skip
    _replace(Table, "query", lambda _: _partition_query, keep_as="query")
    _replace(Table, "scan", lambda _: _resumed_scan, keep_as="scan")
    _replace(dynamodb_models, "copy", lambda _: _TablesNotCopied())
    _replace(
        asl_parser.AmazonStateLanguageParser, "parse", lambda _: staticmethod(_parse_once), keep_as="parse"
    )
    _replace(BaseExecutionWorkerCommunication, "terminated", _terminated_then_compacted)
    _replace(lambda_eval_utils, "boto_client_for", _shared_client)
    _replace(state_task_service_sqs, "boto_client_for", _shared_client)


def uninstall() -> None:
    global _last_sorted
    _last_sorted = None  # it holds the items of this mock's tables
    while _replaced:
        owner, name, before = _replaced.pop()
        if before is _ABSENT:
            delattr(owner, name)
        else:
            setattr(owner, name, before)
    _originals.clear()
    with _clients_lock:
        _clients.clear()  # made inside this moto mock; the next one makes its own
