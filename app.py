"""The Chalice app: registers the route blueprints, the middleware and the snapshot schedule."""

from chalice import Chalice, Rate

from chalicelib.api import admin, editors, middleware, public
from chalicelib.runtime.observability import start_tracing
from chalicelib.runtime.settings import get_settings
from chalicelib.services import snapshots

start_tracing()  # X-Ray subsegments for every DynamoDB and S3 call, in Lambda only
app = Chalice(app_name="polls")
app.register_middleware(middleware.middleware, "http")
app.register_blueprint(public.routes.blueprint())
app.register_blueprint(admin.routes.blueprint())
app.register_blueprint(editors.routes.blueprint())


@app.schedule(Rate(get_settings().snapshot_rate_minutes, unit=Rate.MINUTES), name="snapshot_results")
def snapshot_results(event: object) -> dict[str, object]:
    """Run the snapshot job on the schedule; the report is the Lambda's result."""
    return snapshots.run().as_dict()


# API Gateway answers OPTIONS only for routes that declare it: one preflight view per path.
for _index, _path in enumerate(sorted(app.routes)):
    app.route(_path, methods=["OPTIONS"], name=f"preflight_{_index}")(lambda **_: middleware.preflight())
