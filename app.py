"""The Chalice app: the route blueprints and middleware, the snapshot and analytics export schedules, the stream
consumers, the share cards' function (render_cards and refresh_cards: their own layer with Pillow and the fonts),
preflights."""

import math

from chalice import Chalice, Cron, Rate
from chalice.app import DynamoDBEvent

from chalicelib.api import admin, editors, forms, middleware, public, quizzes, write_ins
from chalicelib.runtime.observability import start_tracing
from chalicelib.runtime.settings import get_settings
from chalicelib.services import cards, edge, exports, fold, snapshots

start_tracing()  # X-Ray subsegments for every DynamoDB and S3 call, in Lambda only
app = Chalice(app_name="polls")
app.register_middleware(middleware.middleware, "http")
app.register_blueprint(public.routes.blueprint())
app.register_blueprint(admin.routes.blueprint())
app.register_blueprint(editors.routes.blueprint())
app.register_blueprint(forms.routes.blueprint())
app.register_blueprint(write_ins.routes.blueprint())
app.register_blueprint(quizzes.routes.blueprint())


@app.schedule(Rate(get_settings().snapshot_rate_minutes, unit=Rate.MINUTES), name="snapshot_results")
def snapshot_results(event: object) -> dict[str, object]:
    """Run the snapshot job on the schedule; the report is the Lambda's result."""
    return snapshots.run().as_dict()


@app.schedule(Cron(15, 0, "*", "*", "?", "*"), name="export_ballots")
def export_ballots(event: object) -> dict[str, object]:
    """Export yesterday's ballots (UTC) for analytics at 00:15 UTC, finishing any recent day left incomplete."""
    return exports.run_schedule()


@app.on_dynamodb_record(
    stream_arn=get_settings().ballots_stream_arn,
    batch_size=1000,
    starting_position="TRIM_HORIZON",  # every ballot ever written is folded, those before the mapping existed too
    name="fold_ballots",
    maximum_batching_window_in_seconds=get_settings().fold_batch_seconds,
)
def fold_ballots(event: DynamoDBEvent) -> dict[str, object]:
    """Fold a batch of the ballots table's stream into the polls' tallies, each change exactly once."""
    fold.fold(event.to_dict())
    return fold.WINDOW_RESPONSE  # the event source's tumbling window (which names the shard) expects a state back


@app.on_dynamodb_record(
    stream_arn=get_settings().polls_stream_arn,
    batch_size=1000,
    starting_position="LATEST",
    name="publish_results",
    maximum_batching_window_in_seconds=get_settings().stream_batch_seconds,
)
def publish_results(event: DynamoDBEvent) -> dict[str, object]:
    """Rewrite the results documents of the polls whose tallies changed in a batch of the polls table's stream."""
    return edge.publish_changed(event.to_dict()).as_dict()


@app.on_dynamodb_record(
    stream_arn=get_settings().polls_stream_arn,
    batch_size=100,
    starting_position="LATEST",
    name="render_cards",
    maximum_batching_window_in_seconds=get_settings().stream_batch_seconds,
)
def render_cards(event: DynamoDBEvent) -> dict[str, object]:
    """Draw at once the share cards of the polls created or changed in a batch of the polls table's stream."""
    return cards.render_changed(event.to_dict()).as_dict()


@app.schedule(Rate(max(1, math.ceil(get_settings().card_every / 60)), unit=Rate.MINUTES), name="refresh_cards")
def refresh_cards(event: object) -> dict[str, object]:
    """Redraw, every CARD_EVERY (whole minutes on AWS), the share cards whose content the counts changed."""
    return cards.refresh().as_dict()


# API Gateway answers OPTIONS only for routes that declare it: one preflight view per path.
for _index, _path in enumerate(sorted(app.routes)):
    app.route(_path, methods=["OPTIONS"], name=f"preflight_{_index}")(lambda **_: middleware.preflight())
