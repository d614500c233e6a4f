"""The Chalice app: the route blueprints and middleware, the snapshot schedule, the stream consumer and preflights."""

from chalice import Chalice, Rate
from chalice.app import DynamoDBEvent

from chalicelib.api import admin, editors, forms, middleware, public
from chalicelib.runtime.observability import start_tracing
from chalicelib.runtime.settings import get_settings
from chalicelib.services import edge, snapshots

start_tracing()  # X-Ray subsegments for every DynamoDB and S3 call, in Lambda only
app = Chalice(app_name="polls")
app.register_middleware(middleware.middleware, "http")
app.register_blueprint(public.routes.blueprint())
app.register_blueprint(admin.routes.blueprint())
app.register_blueprint(editors.routes.blueprint())
app.register_blueprint(forms.routes.blueprint())


@app.schedule(Rate(get_settings().snapshot_rate_minutes, unit=Rate.MINUTES), name="snapshot_results")
def snapshot_results(event: object) -> dict[str, object]:
    """Run the snapshot job on the schedule; the report is the Lambda's result."""
    return snapshots.run().as_dict()


@app.on_dynamodb_record(
    stream_arn=get_settings().counters_stream_arn,
    batch_size=1000,
    starting_position="LATEST",
    name="publish_results",
    maximum_batching_window_in_seconds=get_settings().stream_batch_seconds,
)
def publish_results(event: DynamoDBEvent) -> dict[str, object]:
    """Rewrite the results documents of the polls whose counts changed in a batch of the counters table's stream."""
    return edge.publish_changed(event.to_dict().get("Records", [])).as_dict()


# API Gateway answers OPTIONS only for routes that declare it: one preflight view per path.
for _index, _path in enumerate(sorted(app.routes)):
    app.route(_path, methods=["OPTIONS"], name=f"preflight_{_index}")(lambda **_: middleware.preflight())
