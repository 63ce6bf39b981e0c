"""`kczg simulate`: a whole campaign driven through the services' HTTP APIs, then checked against what they show.

    command.py      the `kczg simulate` CLI: options in, one JSON summary out
    run.py          one campaign: intake, then review, then final review, notice and release
    intake/         the campaign's plan (pure, seeded), the driver every phase calls through, the intake's report
    review/         screening, plans, assignment, conflicts, scores and results: plan, driver, check, report
    release/        final review, notices, objections, release and correction: plan, driver, verify, check, report
    phases.py       each phase's wall time, events on the log and CPU
    latencies.py    each route's attempts, grouped and summarised
    http_pool.py    the aiohttp pool the driver sends through
    retry_policy.py which answers are sent again, and how long to wait
"""
