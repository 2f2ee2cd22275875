"""Calls the mock through a client that openapi-python-client generated from /swagger.json.

    python3 scripts/openapi_client_test.py DIR URL

DIR holds the generated package `prodgy_client`; URL is the running mock (built-in fixtures).
Run by scripts/openapi-client.sh. Every step calls one operation and checks that its answer
parsed into the generated model (`response.parsed` is that model, not None or `Error`) and one
meaningful field of it. A failing step names its operation; the last line counts the steps.
Exit status: 0 when every step passed, 1 otherwise.
"""

import datetime
import importlib
import io
import sys
import traceback

TOKEN = "prodgy_AcmeSupportDefaultToken000000001"
ACME = "9b2f4c1e-0a3d-4e5f-8a71-2c4d6e8f0a11"
TRIAGE_AGENT = "a9e1f3b5-0001-4c6d-8e7f-100000000001"
UNINSTALLED_CATALOG_AGENT = "c1a0b2c3-0005-4000-8000-000000000005"
MANUAL_TRIGGER = "f1a2b3c4-0001-4d5e-8f60-400000000001"
WEBHOOK_PATH = "helpdesk-tickets"
TRIAGE_FLOW = "b0c1d2e3-0001-4a5b-9c6d-500000000001"
COMPLETED_EXECUTION = "e0c1d2e3-0001-4f5a-8b6c-300000000001"
SLACK = "e5f6a7b8-0001-4c2d-9e3f-200000000001"
TEAMS = "e5f6a7b8-0005-4c2d-9e3f-200000000005"
PASSWORD_GUIDE = "d0c5a1b2-0001-4e3f-9a8b-600000000001"
ACME_TOKEN_ID = "7d0c5e6f-1111-4a2b-9c3d-000000000001"

PACKAGE = "prodgy_client"


class StepFailed(Exception):
    """A step's answer did not parse, or parsed to something unexpected."""


def model(name):
    """The generated model class `name` (a failure if the generator dropped it)."""
    models = importlib.import_module(f"{PACKAGE}.models")
    found = getattr(models, name, None)
    if found is None:
        raise StepFailed(f"the generator produced no model {name}")
    return found


def operation(op_id):
    """The generated module of operation `op_id`, e.g. `agents.get` -> api/agents/agents_get."""
    tag = op_id.split(".")[0]
    module = op_id.replace(".", "_")
    return importlib.import_module(f"{PACKAGE}.api.{tag}.{module}")


class Run:
    def __init__(self, url):
        client_module = importlib.import_module(f"{PACKAGE}.client")
        # Default auth: `Authorization: Bearer <token>`, which the mock accepts.
        self.client = client_module.AuthenticatedClient(base_url=url, token=TOKEN, timeout=30.0)
        self.ids = {}
        self.passed = []
        self.failed = []

    def call(self, op_id, expected, *args, **kwargs):
        """Calls `op_id` and returns its parsed answer, which must be an `expected` instance."""
        response = operation(op_id).sync_detailed(*args, client=self.client, **kwargs)
        parsed = response.parsed
        expected_type = model(expected) if isinstance(expected, str) else expected
        if not isinstance(parsed, expected_type):
            raise StepFailed(
                f"HTTP {response.status_code} parsed to {type(parsed).__name__}, "
                f"expected {expected_type.__name__}; body: {response.content[:400]!r}"
            )
        if expected_type is not str and getattr(parsed, "success", True) is not True:
            raise StepFailed(f"success is {parsed.success!r}")
        return parsed

    def step(self, op_id, check, needs=()):
        """Runs `check` (a function of this run) for operation `op_id` and records the result."""
        missing = [n for n in needs if n not in self.ids]
        try:
            if missing:
                raise StepFailed(f"not run: it needs {', '.join(missing)} from an earlier step")
            check(self)
        except Exception as error:  # any exception is this operation's failure
            detail = "".join(traceback.format_exception_only(type(error), error)).strip()
            if not isinstance(error, (StepFailed, AssertionError)):
                detail += "\n" + "".join(traceback.format_tb(error.__traceback__)[-3:])
            self.failed.append(op_id)
            print(f"FAIL {op_id}: {detail}", flush=True)
        else:
            self.passed.append(op_id)
            print(f"ok   {op_id}", flush=True)


def expect(condition, message):
    if not condition:
        raise StepFailed(message)


# --- agents -------------------------------------------------------------------------------


def agents_list(run):
    page = run.call("agents.list", "AgentsListResponse200")
    expect(any(a.id == TRIAGE_AGENT for a in page.data), "the triage agent is not listed")
    expect(page.pagination.total >= 1, f"pagination {page.pagination}")


def agents_of_product(run):
    page = run.call("agents.of_product", "AgentsOfProductResponse200", ACME)
    expect(all(a.product_id == ACME for a in page.data), "an agent of another product")


def agents_get(run):
    agent = run.call("agents.get", "AgentsGetResponse200", TRIAGE_AGENT).data
    expect(agent.name == "Support Triage" and agent.is_active is True, f"{agent}")


def agents_update(run):
    body = model("AgentsUpdateBody")(description="updated by the generated client")
    agent = run.call("agents.update", "AgentsUpdateResponse200", TRIAGE_AGENT, body=body).data
    expect(agent.description == "updated by the generated client", f"{agent}")


def agents_install(run):
    body = model("AgentsInstallBody")(agent_id=UNINSTALLED_CATALOG_AGENT, name="Installed")
    agent = run.call("agents.install", "AgentsInstallResponse201", body=body).data
    expect(agent.agent_id == UNINSTALLED_CATALOG_AGENT, f"{agent}")
    run.ids["agent"] = agent.id


def agents_delete(run):
    deleted = run.call("agents.delete", "AgentsDeleteResponse200", run.ids["agent"]).data
    expect(deleted.id == run.ids["agent"], f"{deleted}")


def agents_executions(run):
    page = run.call("agents.executions", "AgentsExecutionsResponse200", TRIAGE_AGENT)
    expect(any(e.id == COMPLETED_EXECUTION for e in page.data), "the fixture execution")
    expect(all(e.agent_base_id == TRIAGE_AGENT for e in page.data), "another agent's run")


# --- triggers -----------------------------------------------------------------------------


def triggers_list(run):
    page = run.call("triggers.list", "TriggersListResponse200")
    expect(any(t.id == MANUAL_TRIGGER for t in page.data), "the manual trigger is not listed")


def triggers_get(run):
    trigger = run.call("triggers.get", "TriggersGetResponse200", MANUAL_TRIGGER).data
    expect(trigger.type_ == "manual", f"type {trigger.type_!r}")


def triggers_execute(run):
    body = model("TriggersExecuteBody")(trigger_id=MANUAL_TRIGGER)
    started = run.call("triggers.execute", "TriggersExecuteResponse200", body=body).data
    expect(started.trigger_id == MANUAL_TRIGGER and started.execution_id, f"{started}")


# --- workflow executions ------------------------------------------------------------------


def workflow_execute(run):
    body = model("WorkflowExecuteBody")(workflow_base_id=TRIAGE_FLOW)
    started = run.call("workflow.execute", "WorkflowExecuteResponse200", body=body).data
    expect(started.status == "running", f"status {started.status!r}")
    run.ids["execution"] = started.execution_id


def workflow_status(run):
    state = run.call("workflow.status", "WorkflowStatusResponse200", run.ids["execution"]).data
    expect(state.execution_id == run.ids["execution"], f"{state}")
    expect(0 <= state.progress <= 100, f"progress {state.progress}")


def workflow_pause(run):
    state = run.call("workflow.pause", "WorkflowPauseResponse200", run.ids["execution"]).data
    expect(state.status == "paused", f"status {state.status!r}")


def workflow_continue(run):
    state = run.call("workflow.continue", "WorkflowContinueResponse200", run.ids["execution"]).data
    expect(state.status == "running", f"status {state.status!r}")


def workflow_stop(run):
    state = run.call("workflow.stop", "WorkflowStopResponse200", run.ids["execution"]).data
    expect(state.status == "stopped", f"status {state.status!r}")


def workflow_events(run):
    stream = run.call("workflow.events", str, COMPLETED_EXECUTION)
    expect("event: done" in stream and "data: {" in stream, f"stream {stream[:300]!r}")


# --- workflow bases -----------------------------------------------------------------------


def nodes_and_connections():
    node, connection = model("WorkflowNode"), model("WorkflowConnection")
    start, finish = node(id="in"), node(id="out")
    start.additional_properties["type"] = "trigger"
    return [start, finish], [connection(from_="in", to="out")]


def workflow_bases_create(run):
    nodes, connections = nodes_and_connections()
    body = model("WorkflowBasesCreateBody")(name="Client flow", nodes=nodes, connections=connections)
    base = run.call("workflow_bases.create", "WorkflowBasesCreateResponse201", body=body).data
    expect([n.id for n in base.nodes] == ["in", "out"], f"nodes {base.nodes}")
    expect(base.nodes[0]["type"] == "trigger", "a node's extra key was lost")
    expect(base.connections[0].from_ == "in", f"connections {base.connections}")
    run.ids["workflow_base"] = base.id


def workflow_bases_get(run):
    base = run.call("workflow_bases.get", "WorkflowBasesGetResponse200", run.ids["workflow_base"])
    expect(base.data.name == "Client flow", f"{base.data}")
    expect(base.data.connections[0].to == "out", f"{base.data.connections}")


def workflow_bases_list(run):
    page = run.call("workflow_bases.list", "WorkflowBasesListResponse200")
    expect(any(b.id == TRIAGE_FLOW and len(b.nodes) == 3 for b in page.data), "the triage flow")


def workflow_bases_update(run):
    body = model("WorkflowBasesUpdateBody")(description="renamed")
    updated = run.call(
        "workflow_bases.update", "WorkflowBasesUpdateResponse200", run.ids["workflow_base"], body=body
    ).data
    expect(updated.description == "renamed", f"{updated}")


def workflow_bases_update_by_query(run):
    body = model("WorkflowBasesUpdateByQueryBody")(id=run.ids["workflow_base"], name="Client flow 2")
    updated = run.call(
        "workflow_bases.update_by_query", "WorkflowBasesUpdateByQueryResponse200", body=body
    ).data
    expect(updated.name == "Client flow 2", f"{updated}")


def workflow_bases_delete(run):
    deleted = run.call(
        "workflow_bases.delete", "WorkflowBasesDeleteResponse200", run.ids["workflow_base"]
    ).data
    expect(deleted.id == run.ids["workflow_base"], f"{deleted}")


# --- integrations -------------------------------------------------------------------------


def integrations_list(run):
    page = run.call("integrations.list", "IntegrationsListResponse200")
    expect(any(i.id == SLACK and i.scope == "global" for i in page.data), "the global Slack")


def integrations_active(run):
    page = run.call("integrations.active", "IntegrationsActiveResponse200", ACME)
    expect(all(i.is_active for i in page.data) and page.data, "inactive or no integrations")


def integrations_create(run):
    body = model("IntegrationsCreateBody")(title="Client webhook", type_="custom", product_id=ACME)
    created = run.call("integrations.create", "IntegrationsCreateResponse201", body=body).data
    expect(created.scope == "local" and created.product_id == ACME, f"{created}")
    run.ids["integration"] = created.id


def integrations_get(run):
    got = run.call("integrations.get", "IntegrationsGetResponse200", run.ids["integration"]).data
    expect(got.title == "Client webhook", f"{got}")


def integrations_update(run):
    body = model("IntegrationsUpdateBody")(is_active=False)
    updated = run.call(
        "integrations.update", "IntegrationsUpdateResponse200", run.ids["integration"], body=body
    ).data
    expect(updated.is_active is False, f"{updated}")


def integrations_delete(run):
    deleted = run.call(
        "integrations.delete", "IntegrationsDeleteResponse200", run.ids["integration"]
    ).data
    expect(deleted.id == run.ids["integration"], f"{deleted}")


# --- knowledge base and transcription ------------------------------------------------------


def upload_file(name, data, mime):
    file_type = getattr(importlib.import_module(f"{PACKAGE}.types"), "File")
    return file_type(payload=io.BytesIO(data), file_name=name, mime_type=mime)


def knowledge_list(run):
    page = run.call("knowledge.list", "KnowledgeListResponse200")
    expect(any(d.id == PASSWORD_GUIDE for d in page.data), "the password guide is not listed")


def knowledge_get(run):
    document = run.call("knowledge.get", "KnowledgeGetResponse200", PASSWORD_GUIDE).data
    expect(document.status == "completed" and document.name == "Password reset guide", f"{document}")


def knowledge_search(run):
    page = run.call("knowledge.search", "KnowledgeSearchResponse200", query="password")
    hits = page.data
    expect(hits and hits[0].document_id == PASSWORD_GUIDE and hits[0].score > 0, f"hits {hits}")
    expect(page.pagination.total == len(hits) and page.pagination.page_size == 5, f"{page.pagination}")


def knowledge_search_post(run):
    body = model("KnowledgeSearchPostBody")(query="refund", limit=3)
    hits = run.call("knowledge.search_post", "KnowledgeSearchPostResponse200", body=body).data
    expect(hits and all(isinstance(h.content, str) for h in hits), f"hits {hits}")


def knowledge_upload(run):
    body = model("KnowledgeUploadBody")(file=upload_file("notes.txt", b"hello from a client", "text/plain"))
    document = run.call("knowledge.upload", "KnowledgeUploadResponse201", body=body).data
    expect(document.file_name == "notes.txt" and document.size_bytes == 19, f"{document}")
    run.ids["document"] = document.id


def knowledge_delete(run):
    deleted = run.call("knowledge.delete", "KnowledgeDeleteResponse200", run.ids["document"]).data
    expect(deleted.id == run.ids["document"], f"{deleted}")


def transcription_create(run):
    audio = upload_file("clip.wav", b"RIFF\x24\x9c\x00\x00WAVEfmt " + bytes(40_000), "audio/wav")
    body = model("TranscriptionCreateBody")(file=audio)
    result = run.call("transcription.create", "TranscriptionCreateResponse200", body=body).data
    expect(result.text and result.language == "en" and result.duration > 0, f"{result}")


# --- API tokens ---------------------------------------------------------------------------


def tokens_list(run):
    page = run.call("tokens.list", "TokensListResponse200")
    expect(any(t.id == ACME_TOKEN_ID for t in page.data), "the default token is not listed")


def tokens_get(run):
    token = run.call("tokens.get", "TokensGetResponse200", ACME_TOKEN_ID).data
    expect(token.prefix == TOKEN[:8] and token.usage_count >= 1, f"{token}")


def tokens_create(run):
    body = model("TokensCreateBody")(name="Generated client")
    token = run.call("tokens.create", "TokensCreateResponse201", body=body).data
    expect(token.status == "active" and token.token.startswith("prodgy_"), f"{token}")
    run.ids["token"] = token.id


def tokens_renew(run):
    year_2099 = datetime.datetime(2099, 1, 1, tzinfo=datetime.timezone.utc)
    body = model("TokensRenewBody")(expires_at=year_2099)
    token = run.call("tokens.renew", "TokensRenewResponse200", run.ids["token"], body=body).data
    expect(token.expires_at is not None and token.expires_at.year == 2099, f"{token}")


def tokens_set_active(run):
    body = model("TokensSetActiveBody")(is_active=False)
    token = run.call("tokens.set_active", "TokensSetActiveResponse200", run.ids["token"], body=body)
    expect(token.data.status == "inactive" and token.data.is_active is False, f"{token.data}")


def tokens_regenerate(run):
    token = run.call("tokens.regenerate", "TokensRegenerateResponse200", run.ids["token"]).data
    expect(token.token.startswith("prodgy_"), f"{token}")


def tokens_audit_logs(run):
    page = run.call("tokens.audit_logs", "TokensAuditLogsResponse200", run.ids["token"])
    actions = [entry.action for entry in page.data]
    expect("created" in actions and "regenerated" in actions, f"actions {actions}")


def tokens_revoke(run):
    token = run.call("tokens.revoke", "TokensRevokeResponse200", run.ids["token"]).data
    expect(token.status == "revoked", f"{token}")


# --- webhooks -----------------------------------------------------------------------------


def webhooks_generic(run):
    body = model("WebhooksGenericBody")()
    body.additional_properties["ticket"] = 42
    accepted = run.call("webhooks.generic", "WebhooksGenericResponse200", WEBHOOK_PATH, body=body)
    expect(accepted.data.execution_id, f"{accepted.data}")


def communicator_url_verification(run):
    body = model("CommunicatorWebhookBody")(type_="url_verification", challenge="3eZbrw1aBm")
    answer = run.call("communicator.webhook", "SlackChallenge", SLACK, body=body)
    expect(answer.challenge == "3eZbrw1aBm", f"{answer}")


def communicator_event(run):
    body = model("CommunicatorWebhookBody")(type_="event_callback")
    answer = run.call("communicator.webhook", "CommunicatorWebhookResponse200Type0", SLACK, body=body)
    expect(answer.data.integration_base_id == SLACK and answer.data.type_ == "event_callback", f"{answer}")


def communicator_botframework(run):
    body = model("CommunicatorBotframeworkBody")(type_="message")
    answer = run.call("communicator.botframework", "CommunicatorBotframeworkResponse200", TEAMS, body=body)
    expect(answer.data.type_ == "message", f"{answer.data}")


STEPS = [
    ("agents.list", agents_list, ()),
    ("agents.of_product", agents_of_product, ()),
    ("agents.get", agents_get, ()),
    ("agents.update", agents_update, ()),
    ("agents.install", agents_install, ()),
    ("agents.delete", agents_delete, ("agent",)),
    ("agents.executions", agents_executions, ()),
    ("triggers.list", triggers_list, ()),
    ("triggers.get", triggers_get, ()),
    ("triggers.execute", triggers_execute, ()),
    ("workflow.execute", workflow_execute, ()),
    ("workflow.status", workflow_status, ("execution",)),
    ("workflow.pause", workflow_pause, ("execution",)),
    ("workflow.continue", workflow_continue, ("execution",)),
    ("workflow.stop", workflow_stop, ("execution",)),
    ("workflow.events", workflow_events, ()),
    ("workflow_bases.create", workflow_bases_create, ()),
    ("workflow_bases.get", workflow_bases_get, ("workflow_base",)),
    ("workflow_bases.list", workflow_bases_list, ()),
    ("workflow_bases.update", workflow_bases_update, ("workflow_base",)),
    ("workflow_bases.update_by_query", workflow_bases_update_by_query, ("workflow_base",)),
    ("workflow_bases.delete", workflow_bases_delete, ("workflow_base",)),
    ("integrations.list", integrations_list, ()),
    ("integrations.active", integrations_active, ()),
    ("integrations.create", integrations_create, ()),
    ("integrations.get", integrations_get, ("integration",)),
    ("integrations.update", integrations_update, ("integration",)),
    ("integrations.delete", integrations_delete, ("integration",)),
    ("knowledge.list", knowledge_list, ()),
    ("knowledge.get", knowledge_get, ()),
    ("knowledge.search", knowledge_search, ()),
    ("knowledge.search_post", knowledge_search_post, ()),
    ("knowledge.upload", knowledge_upload, ()),
    ("knowledge.delete", knowledge_delete, ("document",)),
    ("transcription.create", transcription_create, ()),
    ("tokens.list", tokens_list, ()),
    ("tokens.get", tokens_get, ()),
    ("tokens.create", tokens_create, ()),
    ("tokens.renew", tokens_renew, ("token",)),
    ("tokens.set_active", tokens_set_active, ("token",)),
    ("tokens.regenerate", tokens_regenerate, ("token",)),
    ("tokens.audit_logs", tokens_audit_logs, ("token",)),
    ("tokens.revoke", tokens_revoke, ("token",)),
    ("webhooks.generic", webhooks_generic, ()),
    ("communicator.webhook (Slack url_verification)", communicator_url_verification, ()),
    ("communicator.webhook (event)", communicator_event, ()),
    ("communicator.botframework", communicator_botframework, ()),
]


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    sys.path.insert(0, argv[1])
    run = Run(argv[2])
    for op_id, check, needs in STEPS:
        run.step(op_id, check, needs)
    if run.failed:
        print(f"openapi-client: these operations failed: {', '.join(run.failed)}")
    print(f"openapi-client: {len(run.passed)} passed, {len(run.failed)} failed")
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
