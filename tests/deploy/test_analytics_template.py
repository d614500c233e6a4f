"""The data desk's analytics in the template: the Glue table over the export's files, the Athena workgroup and its
three named queries. moto's CloudFormation passes over Glue and Athena resources (it logs "No Moto CloudFormation
support"), so their definitions are also given to moto's Glue and Athena APIs here, as CloudFormation would."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from chalicelib.core import exports
from chalicelib.core.forensics import BallotRecord
from infra import analytics, build
from infra.names import Template
from tests.deploy.test_iam_policy import resolved

NAMES = {"Stage": "dev", "ResultsBucket": "poll-results-dev", "AWS::AccountId": "123456789012"}


@pytest.fixture(scope="module")
def template() -> Template:
    """The dev stage's merged fragment of the modules that need nothing of Chalice (analytics among them)."""
    return build.stage_fragment("dev")


def of_type(template: Template, kind: str) -> dict[str, Template]:
    return {k: r for k, r in template["Resources"].items() if r.get("Type") == kind}


def test_the_template_holds_the_glue_table_the_workgroup_and_three_named_queries(template):
    assert len(of_type(template, "AWS::Glue::Database")) == 1
    (table,) = of_type(template, "AWS::Glue::Table").values()
    described = table["Properties"]["TableInput"]
    assert described["PartitionKeys"] == [{"Name": "day", "Type": "string", "Comment": "the UTC day, YYYY-MM-DD"}]
    assert [c["Name"] for c in described["StorageDescriptor"]["Columns"]] == list(
        exports.row("p", BallotRecord("k", ("a",), "s" * 32, 0))
    )
    location = described["StorageDescriptor"]["Location"]["Fn::Sub"]
    assert location.endswith("/" + exports.BALLOTS)
    assert described["Parameters"]["projection.enabled"] == "true"
    assert described["Parameters"]["projection.day.range"] == f"{exports.FIRST_DAY.isoformat()},NOW"
    (workgroup,) = of_type(template, "AWS::Athena::WorkGroup").values()
    configuration = workgroup["Properties"]["WorkGroupConfiguration"]
    assert configuration["EnforceWorkGroupConfiguration"] is True
    assert configuration["ResultConfiguration"]["EncryptionConfiguration"]["EncryptionOption"] == "SSE_KMS"
    assert configuration["ResultConfiguration"]["OutputLocation"]["Fn::Sub"].endswith("/private/athena/")
    queries = {q["Properties"]["Name"] for q in of_type(template, "AWS::Athena::NamedQuery").values()}
    assert queries == {"votes per poll per day", "top sites", "a poll's surge minutes"}


def test_no_column_of_the_table_holds_a_voter_or_source_hash(template):
    (table,) = of_type(template, "AWS::Glue::Table").values()
    columns = {c["Name"] for c in table["Properties"]["TableInput"]["StorageDescriptor"]["Columns"]}
    assert not columns & {"pk", "src", "source", "voter", "ballot", "request_id"}


def test_glue_and_athena_accept_the_definitions(aws_backend, template):
    """Create the database, table, workgroup and named queries from the template through moto's APIs."""
    names = {**NAMES, "OperationsKey.Arn": "arn:aws:kms:us-east-1:123456789012:key/example"}
    glue, athena = boto3.client("glue"), boto3.client("athena")
    database = resolved(template["Resources"][analytics.ANALYTICS_DATABASE]["Properties"], names)
    glue.create_database(**database)
    names[analytics.ANALYTICS_DATABASE] = database["DatabaseInput"]["Name"]
    table = resolved(template["Resources"][analytics.BALLOTS_TABLE]["Properties"], names)
    glue.create_table(**table)
    found = glue.get_table(DatabaseName="polls_dev", Name="ballots")["Table"]
    assert (
        found["Parameters"]["storage.location.template"] == "s3://poll-results-dev/private/exports/ballots/day=${day}/"
    )
    workgroup = resolved(template["Resources"][analytics.WORKGROUP]["Properties"], names)
    athena.create_work_group(
        Name=workgroup["Name"], Description=workgroup["Description"], Configuration=workgroup["WorkGroupConfiguration"]
    )
    names[analytics.WORKGROUP] = workgroup["Name"]
    for logical_id in analytics.QUERIES:
        query = resolved(template["Resources"][logical_id]["Properties"], names)
        assert "polls_dev.ballots" in query["QueryString"]
        athena.create_named_query(**query)
    listed = athena.list_named_queries(WorkGroup="polls-dev-analytics")["NamedQueryIds"]
    assert len(listed) == 3


# Athena's (Trino's) functions the named queries use, and DuckDB's of the same meaning: no Athena runs locally.
TRINO_TO_DUCKDB = {"cardinality(": "len(", "approx_percentile(": "quantile_cont(", "${Stage}": "dev"}
ROWS = [  # poll, options, minute, site, voided
    ("tea", ["tea"], "10:31", "bbc.co.uk", False),
    ("tea", ["tea", "milk"], "10:31", "bbc.co.uk", False),
    ("tea", ["milk"], "10:31", "direct", True),
    ("tea", ["tea"], "10:32", "direct", False),
    ("bridge", ["yes"], "10:32", "lemonde.fr", False),
]


def run_named(query: str) -> list[tuple[Any, ...]]:
    """Run a named query in DuckDB over ROWS, each cast today, as the Glue table shows them."""
    import duckdb

    connection = duckdb.connect()
    connection.execute("CREATE SCHEMA polls_dev")
    connection.execute(
        "CREATE TABLE polls_dev.ballots (poll VARCHAR, options VARCHAR[], minute VARCHAR, country VARCHAR, "
        "site VARCHAR, surface VARCHAR, voided BOOLEAN, day VARCHAR)"
    )
    for poll, options, minute, site, voided in ROWS:
        connection.execute(
            "INSERT INTO polls_dev.ballots VALUES (?, ?, ?, 'GB', ?, 'widget', ?, strftime(current_date, '%Y-%m-%d'))",
            [poll, options, f"2026-12-06T{minute}Z", site, voided],
        )
    for trino, duck in TRINO_TO_DUCKDB.items():
        query = query.replace(trino, duck)
    return connection.sql(query.replace("'the-poll-id'", "'tea'")).fetchall()


@pytest.mark.parametrize(
    ("logical_id", "expected"),
    [
        ("VotesPerPollPerDayQuery", [("tea", 3, 4), ("bridge", 1, 1)]),
        ("TopSitesQuery", [("bbc.co.uk", 2, 1), ("direct", 1, 1), ("lemonde.fr", 1, 1)]),
        ("SurgeMinutesQuery", [("2026-12-06T10:31Z", 3, 1, 1.5), ("2026-12-06T10:32Z", 1, 0, 0.5)]),
    ],
)
def test_each_named_query_counts_only_what_it_should(template, logical_id, expected):
    found = run_named(template["Resources"][logical_id]["Properties"]["QueryString"]["Fn::Sub"])
    if logical_id == "VotesPerPollPerDayQuery":
        found = [row[1:] for row in found]  # the day is today
    assert sorted(found) == sorted(expected)
