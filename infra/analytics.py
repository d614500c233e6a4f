"""The data desk's analytics: a Glue table over the export's files, an Athena workgroup and its named queries.

The export (chalicelib/services/exports.py, the `export_ballots` schedule and `POST /exports`) writes gzip JSON Lines
under `private/exports/ballots/day=YYYY-MM-DD/`; the table reads them with the OpenX JSON SerDe and finds each day
by partition projection (no crawler, no `MSCK REPAIR`). The workgroup writes query results under
`private/athena/`, encrypted with the stage's KMS key, and its settings are enforced on every query.
"""

from __future__ import annotations

from chalicelib.core import exports
from infra.names import OPERATIONS_KEY, RESULTS_BUCKET, Template, get_att, named, ref, sub

ANALYTICS_DATABASE = "AnalyticsDatabase"
BALLOTS_TABLE = "ExportedBallotsTable"
WORKGROUP = "AnalyticsWorkGroup"
DATABASE_NAME = "polls_{stage}"  # Glue names: lower case, no hyphens
TABLE_NAME = "ballots"
WORKGROUP_NAME = "polls-{stage}-analytics"
EXPORTS_LOCATION = "s3://${" + RESULTS_BUCKET + "}/private/exports/ballots/"
RESULTS_LOCATION = "s3://${" + RESULTS_BUCKET + "}/private/athena/"
FIRST_DAY = exports.FIRST_DAY.isoformat()  # the projection's first day: the export's own (chalicelib/core/exports.py)
COLUMNS = [
    {"Name": "poll", "Type": "string", "Comment": "the poll id"},
    {"Name": "options", "Type": "array<string>", "Comment": "the option ids the ballot chose"},
    {"Name": "minute", "Type": "string", "Comment": "the minute of the vote, ISO 8601 UTC (2026-12-05T10:31Z)"},
    {"Name": "country", "Type": "string", "Comment": "ISO country code from the edge, or unknown"},
    {"Name": "site", "Type": "string", "Comment": "the embedding site's registrable domain, direct or unknown"},
    {"Name": "surface", "Type": "string", "Comment": "widget, hosted, form, api or unknown"},
    {"Name": "voided", "Type": "boolean", "Comment": "voided by an editor: not counted"},
]
TABLE = "polls_${Stage}.ballots"
QUERIES = {
    "VotesPerPollPerDayQuery": (
        "votes per poll per day",
        "Counted voters and votes of each poll on each day of the last 30 (voided ballots left out).",
        f"SELECT day, poll, count(*) AS voters, sum(cardinality(options)) AS votes FROM {TABLE} "
        "WHERE NOT voided AND day >= cast(current_date - interval '30' day AS varchar) "
        "GROUP BY day, poll ORDER BY day DESC, voters DESC",
    ),
    "TopSitesQuery": (
        "top sites",
        "The embedding sites that brought the most counted voters in the last 30 days.",
        f"SELECT site, count(*) AS voters, count(DISTINCT poll) AS polls FROM {TABLE} "
        "WHERE NOT voided AND day >= cast(current_date - interval '30' day AS varchar) "
        "GROUP BY site ORDER BY voters DESC LIMIT 50",
    ),
    "SurgeMinutesQuery": (
        "a poll's surge minutes",
        "A poll's busiest minutes (voided ballots too: a surge may be stuffing) against its median minute; replace "
        "the poll id, and add day bounds to scan less.",
        "WITH per_minute AS (SELECT minute, count(*) AS ballots, count_if(voided) AS voided "
        f"FROM {TABLE} WHERE poll = 'the-poll-id' GROUP BY minute) "
        "SELECT minute, ballots, voided, "
        "round(cast(ballots AS double) / approx_percentile(ballots, 0.5) OVER (), 1) AS times_median "
        "FROM per_minute ORDER BY ballots DESC LIMIT 30",
    ),
}


def database() -> Template:
    """Return the stage's Glue database."""
    return {
        "Type": "AWS::Glue::Database",
        "Properties": {
            "CatalogId": ref("AWS::AccountId"),
            "DatabaseInput": {
                "Name": named(DATABASE_NAME),
                "Description": sub("polls ${Stage}: the ballots exported for analytics"),
            },
        },
    }


def table() -> Template:
    """Return the Glue table over the exported ballots, partitioned by day through partition projection."""
    return {
        "Type": "AWS::Glue::Table",
        "Properties": {
            "CatalogId": ref("AWS::AccountId"),
            "DatabaseName": ref(ANALYTICS_DATABASE),
            "TableInput": {
                "Name": TABLE_NAME,
                "Description": "One row a ballot: poll, options, minute, country, site, surface, voided.",
                "TableType": "EXTERNAL_TABLE",
                "PartitionKeys": [{"Name": "day", "Type": "string", "Comment": "the UTC day, YYYY-MM-DD"}],
                "Parameters": {
                    "classification": "json",
                    "compressionType": "gzip",
                    "projection.enabled": "true",
                    "projection.day.type": "date",
                    "projection.day.format": "yyyy-MM-dd",
                    "projection.day.range": f"{FIRST_DAY},NOW",
                    "projection.day.interval": "1",
                    "projection.day.interval.unit": "DAYS",
                    "storage.location.template": sub(EXPORTS_LOCATION + "day=${!day}/"),
                },
                "StorageDescriptor": {
                    "Columns": COLUMNS,
                    "Location": sub(EXPORTS_LOCATION),
                    "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                    "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                    "Compressed": True,
                    "SerdeInfo": {
                        "SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe",
                        "Parameters": {"ignore.malformed.json": "false"},
                    },
                },
            },
        },
    }


def workgroup() -> Template:
    """Return the workgroup the queries run in: results encrypted under private/athena/, settings enforced."""
    return {
        "Type": "AWS::Athena::WorkGroup",
        "Properties": {
            "Name": named(WORKGROUP_NAME),
            "Description": sub("polls ${Stage}: the data desk's queries over the exported ballots"),
            "State": "ENABLED",
            "RecursiveDeleteOption": True,
            "WorkGroupConfiguration": {
                "EnforceWorkGroupConfiguration": True,
                "PublishCloudWatchMetricsEnabled": True,
                "BytesScannedCutoffPerQuery": 10 * 1024**3,  # 10 GB: a year of a busy stage's ballots is far less
                "ResultConfiguration": {
                    "OutputLocation": sub(RESULTS_LOCATION),
                    "EncryptionConfiguration": {
                        "EncryptionOption": "SSE_KMS",
                        "KmsKey": get_att(OPERATIONS_KEY, "Arn"),
                    },
                },
            },
        },
    }


def named_query(name: str, description: str, query: str) -> Template:
    """Return one saved query of the workgroup."""
    return {
        "Type": "AWS::Athena::NamedQuery",
        "Properties": {
            "Name": name,
            "Description": description,
            "Database": ref(ANALYTICS_DATABASE),
            "WorkGroup": ref(WORKGROUP),
            "QueryString": sub(query),
        },
    }


def fragment() -> Template:
    """Return the Glue database and table, the Athena workgroup and its named queries."""
    resources: Template = {ANALYTICS_DATABASE: database(), BALLOTS_TABLE: table(), WORKGROUP: workgroup()}
    for logical_id, (name, description, query) in QUERIES.items():
        resources[logical_id] = named_query(name, description, query)
    outputs = {
        "AnalyticsWorkGroup": {"Value": ref(WORKGROUP), "Description": "Athena: the data desk's workgroup."},
        "AnalyticsTable": {"Value": sub(TABLE), "Description": "Glue: the exported ballots, by day."},
    }
    return {"Resources": resources, "Outputs": outputs}
