"""Default correlation rules, installed by a data migration and editable in admin."""

DEFAULT_RULES = [
    ("weight_scada", "source_weight", "1.0", "Confidence weight of a SCADA event"),
    ("weight_kaifa", "source_weight", "0.8", "Confidence weight of a KAIFA head-end event"),
    ("weight_onu", "source_weight", "0.6", "Confidence weight of an ONU dying gasp"),
    ("weight_call_center", "source_weight", "0.4", "Confidence weight of a customer call"),
    ("weight_oms", "source_weight", "0.0", "Weight of the engine's own inferences"),
    ("weight_operator", "source_weight", "1.0", "Weight of an operator's confirmation"),
    ("dp_rollup_fraction", "threshold", "0.5", "Share of a DP's meters off that makes a DP outage"),
    ("feeder_rollup_dp_count", "threshold", "2", "DPs of one feeder out that make a feeder outage"),
    ("rollup_window_minutes", "window", "15", "Window inside which outages roll up"),
    ("momentary_max_minutes", "window", "5", "An outage restored within this is momentary"),
    (
        "restoration_step_minutes",
        "window",
        "5",
        "Meters restored within this of an outage's last one are its last restoration step",
    ),
    (
        "max_clock_skew_minutes",
        "window",
        "5",
        "Events dated more than this ahead of the server's clock are refused",
    ),
    (
        "max_event_age_hours",
        "window",
        "24",
        "Events older than this behind the newest applied event time are stored as stale",
    ),
]
