"""What each kind of job builds: a few lines that read the job and call a document command.

The commands live elsewhere (app/reporting/annual for reports, app/jobs/exports.py for data)
and can be called from the CLI and tests without a queue. Each returns (bytes or a finished
temporary file's Path, meta {"data_as_of", "filename", "content_type"}).
"""
from __future__ import annotations

from .models import ReportJob


def _annual(job: ReportJob, progress):
    """The annual report of the job's scope and year."""
    from ..reporting.annual import build_annual
    scope = dict(job.scope)
    return build_annual(scope, job.year, job.audience or "parent", job.format, progress)


def _monthly(job: ReportJob, progress):
    """The monthly supervision report (county or one zone)."""
    from ..reporting.annual import build_monthly_pdf
    return build_monthly_pdf(job.options["month"], job.scope.get("code"), progress)


def _launch_feedback(job: ReportJob, progress):
    """One launch's results feedback for its school."""
    from ..reporting.annual import build_launch_feedback_pdf
    return build_launch_feedback_pdf(job.scope["id"], progress)


def _export(job: ReportJob, progress):
    """The response data export."""
    from .exports import build_export
    return build_export(job.scope, job.format, job.options or {}, progress, year=job.year,
                        audience=job.audience)


#: Kind → builder(job, progress). Tests replace entries to inject a fake builder.
BUILDERS = {"annual": _annual, "monthly": _monthly, "launch_feedback": _launch_feedback,
            "export": _export}


def build(job: ReportJob, progress):
    """Build the job's file with the builder of its kind."""
    return BUILDERS[job.kind](job, progress)
